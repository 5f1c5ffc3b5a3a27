"""Which municipality the connection is working for, whether a request or task set the
Municipality itself or code only set its schema (django-tenants' schema_context)."""

from django.conf import settings
from django.db import connection

# schema name -> (uuid, slug). A schema's municipality never changes, so the map only grows.
_by_schema = {}


def municipality_identity(query=True):
    """(uuid, slug) of the current municipality, or None in the platform's own schemas.

    With query=False nothing is looked up (for log lines, which must never touch the database);
    a schema not seen before then answers None."""
    tenant = getattr(connection, "tenant", None)
    municipality_uuid = getattr(tenant, "uuid", None)
    if municipality_uuid is not None:
        return municipality_uuid, tenant.slug
    schema = getattr(connection, "schema_name", None)
    if schema in (None, "public", settings.GOLDEN_SCHEMA_NAME):
        return None
    if schema not in _by_schema and query:
        from .models import Municipality

        row = Municipality.objects.filter(schema_name=schema).values_list("uuid", "slug").first()
        if row is not None:
            _by_schema[schema] = row
    return _by_schema.get(schema)
