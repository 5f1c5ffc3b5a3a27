"""Cache keys carry the municipality's immutable id, so no two municipalities share an entry."""

from django.db import connection

from .current import municipality_identity


def current_scope():
    """'platform' in the public schema, the municipality's UUID in its own schema."""
    identity = municipality_identity()
    if identity is not None:
        return str(identity[0])
    schema = getattr(connection, "schema_name", None)
    return "platform" if schema in (None, "public") else f"schema-{schema}"


PLATFORM_WIDE = "platform:"


def make_key(key, key_prefix, version):
    """Keys written as "platform:..." are platform-wide by convention; all others are scoped."""
    scope = "platform" if key.startswith(PLATFORM_WIDE) else current_scope()
    return f"{scope}:{key_prefix}:{version}:{key}"
