"""Citus schema-based sharding, used when the database has the extension (docs/scaling.md).

With Citus, each municipality's schema becomes a distributed schema: all its tables live
together on one worker node, and Citus routes every query that stays inside the schema (all of
Hamaynk's municipal queries do; search_path names the schema) to that node. The public schema
stays on the coordinator. On plain PostgreSQL none of this runs: the detection answers False and
provisioning creates the schema as it always has."""

from django.db import connection

DETECT = "SELECT 1 FROM pg_extension WHERE extname = 'citus'"


def citus_available(cursor=None):
    """Whether the connected database has the citus extension installed."""
    if cursor is None:
        with connection.cursor() as cursor:
            return citus_available(cursor)
    cursor.execute(DETECT)
    return cursor.fetchone() is not None


def distribute(schema_name, cursor=None):
    """Makes a freshly cloned municipality schema a Citus distributed schema, when Citus is
    there; returns whether it did. Runs in the caller's transaction, right after the clone."""
    if cursor is None:
        with connection.cursor() as cursor:
            return distribute(schema_name, cursor)
    if not citus_available(cursor):
        return False
    cursor.execute("SELECT citus_schema_distribute(%s::regnamespace)", [schema_name])
    return True
