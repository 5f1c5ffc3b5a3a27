"""Municipal modules: the Django apps that live in every municipality's own schema."""
