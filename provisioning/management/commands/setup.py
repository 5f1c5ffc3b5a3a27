from django.core.management import call_command
from django.core.management.base import BaseCommand

from provisioning import golden


class Command(BaseCommand):
    help = (
        "Prepares a database for this release: migrates the public schema, then rebuilds the "
        "golden schema if its migrations changed. Run `hamaynk migrate-all` afterwards to "
        "bring existing municipalities along."
    )

    def handle(self, **options):
        verbosity = options["verbosity"]
        if verbosity:
            self.stdout.write("Migrating the public schema (the platform's own tables)...")
            self.stdout.flush()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=max(0, verbosity - 1))
        try:
            record = golden.current()
            self.stdout.write(f"Golden schema {record.name} is current.")
        except golden.GoldenSchemaError:
            if verbosity:
                self.stdout.write(
                    "Building the golden schema, the copy every municipality starts from "
                    "(once per release; about half a minute)..."
                )
                self.stdout.flush()
            seconds = golden.build(verbosity=max(0, verbosity - 1))
            self.stdout.write(f"Golden schema rebuilt in {seconds:.1f} s.")
