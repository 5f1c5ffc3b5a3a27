"""The golden schema: migrated once per release, then copied for every new municipality.

Replaying a release's migrations costs seconds per schema and grows with every migration;
copying the golden schema's structure costs one round trip of DDL. The copy script is
generated once, when the golden schema is built, from the catalog:

* tables with `LIKE ... INCLUDING` (columns, defaults, identity, generated columns, checks,
  storage, comments), so every identity column gets a sequence of its own;
* primary keys, unique constraints, indexes, foreign keys and triggers with their original
  names, re-pointed from the golden schema to the new one;
* the golden rows (migration records, content types, permissions) with their ids, so content
  type ids agree across schemas, then every identity sequence moved past the copied ids.
"""

import hashlib
import re
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors.base import run_migrations
from django_tenants.utils import schema_exists

from .models import GoldenSchema

PLACEHOLDER = "__HAMAYNK_NEW_SCHEMA__"


class GoldenSchemaError(Exception):
    pass


def golden_name():
    return settings.GOLDEN_SCHEMA_NAME


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def migrations_digest():
    """Fingerprint of the tenant apps' migrations on disk: a new migration changes it."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=False)
    loader.load_disk()
    tenant_labels = _tenant_app_labels()
    names = sorted(f"{app}.{name}" for app, name in loader.disk_migrations if app in tenant_labels)
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def _tenant_app_labels():
    from django.apps import apps

    return {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}


def build(verbosity=0):
    """(Re)creates the golden schema from this release's migrations and stores its copy script."""
    name = golden_name()
    started = time.perf_counter()
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote(name)} CASCADE")
        cursor.execute(f"CREATE SCHEMA {quote(name)}")
    migrate_schema(name, verbosity=verbosity, label="golden")
    connection.set_schema_to_public()
    script, tables = generate_clone_sql(name)
    GoldenSchema.objects.update_or_create(
        name=name,
        defaults={"migrations_digest": migrations_digest(), "clone_sql": script, "tables": tables},
    )
    return time.perf_counter() - started


def current():
    """The golden schema record if it matches the migrations on disk, else a clear error."""
    golden = GoldenSchema.objects.filter(name=golden_name()).first()
    if golden is None or not schema_exists(golden.name):
        raise GoldenSchemaError("The golden schema has not been built: run `hamaynk golden build`.")
    if golden.migrations_digest != migrations_digest():
        raise GoldenSchemaError(
            "The golden schema is older than this release's migrations: run `hamaynk golden build`."
        )
    return golden


def ensure_current(verbosity=0):
    try:
        return current()
    except GoldenSchemaError:
        build(verbosity=verbosity)
        return current()


def migrate_schema(schema, verbosity=0, label="migrate", stdout=None):
    """Applies the tenant apps' migrations to one schema (Django's migrate, schema-routed)."""
    from django.core.management.commands.migrate import Command as MigrateCommand

    options = vars(MigrateCommand().create_parser("hamaynk", "migrate").parse_args([]))
    options.update(verbosity=verbosity, interactive=False, database="default", skip_checks=True)
    if stdout is not None:
        options["stdout"] = stdout
    run_migrations(args=[], options=options, executor_codename=label, schema_name=schema)


@contextmanager
def _catalog_cursor():
    """A cursor whose search_path is only pg_catalog, so every name in the catalog's
    definitions comes out schema-qualified. The setting is local to the transaction; the
    connection is told afterwards that its search_path must be set again."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL search_path TO pg_catalog")
            yield cursor
    finally:
        connection.set_tenant(connection.tenant)


def _rows(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def generate_clone_sql(source):
    """The DDL that recreates `source` under PLACEHOLDER, and the number of tables in it."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", source):
        raise GoldenSchemaError(f"The golden schema needs a plain lower-case name, not {source!r}")
    dst = PLACEHOLDER
    src_prefix = f"{source}."
    with _catalog_cursor() as cursor:
        _refuse_unsupported(cursor, source)
        tables = [
            r[0]
            for r in _rows(
                cursor,
                """
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p')
            ORDER BY c.relname""",
                [source],
            )
        ]
        serial_defaults = _rows(
            cursor,
            """
            SELECT c.relname, a.attname FROM pg_attrdef d
            JOIN pg_class c ON c.oid = d.adrelid
            JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
            WHERE c.relnamespace = %s::regnamespace
              AND pg_get_expr(d.adbin, d.adrelid) LIKE '%%nextval(%%'""",
            [source],
        )
        if serial_defaults:
            raise GoldenSchemaError(
                "Columns use sequence defaults instead of identity columns, which a copy would "
                f"share with the golden schema: {serial_defaults}"
            )

        statements = [f"CREATE SCHEMA {dst}"]
        for table in tables:
            statements.append(
                f"CREATE TABLE {dst}.{quote(table)} (LIKE {quote(source)}.{quote(table)} "
                "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING CONSTRAINTS "
                "INCLUDING STORAGE INCLUDING COMMENTS INCLUDING COMPRESSION INCLUDING STATISTICS)"
            )

        with_rows = _tables_with_rows(cursor, source, tables)
        for table in with_rows:
            columns = [
                r[0]
                for r in _rows(
                    cursor,
                    """
                SELECT a.attname FROM pg_attribute a
                WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.attgenerated = ''
                ORDER BY a.attnum""",
                    [f"{quote(source)}.{quote(table)}"],
                )
            ]
            column_list = ", ".join(quote(c) for c in columns)
            statements.append(
                f"INSERT INTO {dst}.{quote(table)} ({column_list}) OVERRIDING SYSTEM VALUE "
                f"SELECT {column_list} FROM {quote(source)}.{quote(table)}"
            )

        for table, name, definition in _rows(
            cursor,
            """
                SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
                FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
                WHERE con.connamespace = %s::regnamespace AND con.contype IN ('p', 'u', 'x')
                ORDER BY c.relname, con.contype, con.conname""",
            [source],
        ):
            statements.append(f"ALTER TABLE {dst}.{quote(table)} ADD CONSTRAINT {quote(name)} {definition}")

        for (definition,) in _rows(
            cursor,
            """
                SELECT pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                WHERE ic.relnamespace = %s::regnamespace
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                                    AND con.contype IN ('p', 'u', 'x'))
                ORDER BY ic.relname""",
            [source],
        ):
            statements.append(
                _repoint(definition, f" ON {src_prefix}", f" ON {dst}.").replace(
                    f" ON ONLY {src_prefix}", f" ON ONLY {dst}."
                )
            )

        for table, name, definition in _rows(
            cursor,
            """
                SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
                FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
                WHERE con.connamespace = %s::regnamespace AND con.contype = 'f'
                ORDER BY c.relname, con.conname""",
            [source],
        ):
            definition = _repoint(definition, f"REFERENCES {src_prefix}", f"REFERENCES {dst}.")
            statements.append(f"ALTER TABLE {dst}.{quote(table)} ADD CONSTRAINT {quote(name)} {definition}")

        for (definition,) in _rows(
            cursor,
            """
                SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE c.relnamespace = %s::regnamespace AND NOT t.tgisinternal
                ORDER BY c.relname, t.tgname""",
            [source],
        ):
            statements.append(_repoint(definition, f" ON {src_prefix}", f" ON {dst}."))

        for table, column in _rows(
            cursor,
            """
                SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = %s::regnamespace AND a.attidentity <> '' AND c.relkind = 'r'
                ORDER BY c.relname""",
            [source],
        ):
            if table in with_rows:
                statements.append(
                    f"SELECT setval(pg_get_serial_sequence('{dst}.{quote(table)}', '{column}'), "
                    f"COALESCE((SELECT max({quote(column)}) FROM {dst}.{quote(table)}), 0) + 1, false)"
                )
    return ";\n".join(statements) + ";\n", len(tables)


def _repoint(definition, old, new):
    if old not in definition:
        raise GoldenSchemaError(f"Cannot re-point definition to the new schema: {definition}")
    return definition.replace(old, new)


def _tables_with_rows(cursor, source, tables):
    if not tables:
        return []
    union = " UNION ALL ".join(f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(source)}.{quote(t)})" for t in tables)
    return [r[0] for r in _rows(cursor, union, tables)]


def _refuse_unsupported(cursor, source):
    """Objects the copy script does not recreate must not hide in the golden schema."""
    found = _rows(
        cursor,
        """
        SELECT 'view ' || relname FROM pg_class
         WHERE relnamespace = %(s)s::regnamespace AND relkind IN ('v', 'm')
        UNION ALL
        SELECT 'sequence ' || c.relname FROM pg_class c
         WHERE c.relnamespace = %(s)s::regnamespace AND c.relkind = 'S'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')
        UNION ALL
        SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = %(s)s::regnamespace
        UNION ALL
        SELECT 'type ' || typname FROM pg_type t WHERE typnamespace = %(s)s::regnamespace
           AND typtype IN ('e', 'd', 'c') AND NOT EXISTS (
               SELECT 1 FROM pg_class c WHERE c.reltype = t.oid)""",
        {"s": source},
    )
    if found:
        raise GoldenSchemaError(
            "The golden schema holds objects its copy would miss; teach provisioning.golden to "
            f"copy them: {', '.join(r[0] for r in found)}"
        )


def clone_into(schema_name, golden=None):
    """Creates `schema_name` as a copy of the golden schema, in the caller's transaction."""
    golden = golden or current()
    script = golden.clone_sql.replace(PLACEHOLDER, quote(schema_name))
    with connection.cursor() as cursor:
        cursor.execute(script)


def _same_in_list(definition):
    """PostgreSQL prints `varchar_column IN ('a', 'b')` in a partial index as
    `= ANY ((ARRAY['a'::varchar, ...])::text[])`, and that text, run again (as the copy does),
    as `= ANY (ARRAY[('a'::varchar)::text, ...])`: the same condition in two spellings. Both are
    brought to one spelling so that the comparison sees structure, not print style."""
    definition = re.sub(r"\('((?:[^']|'')*)'::character varying\)::text", r"'\1'::character varying", definition)
    return re.sub(r"ANY \(\(ARRAY\[(.*?)\]\)::text\[\]\)", r"ANY (ARRAY[\1])", definition)


def schema_fingerprint(schema):
    """A comparable description of a schema's structure, with its own name taken out."""
    with _catalog_cursor() as cursor:
        columns = _rows(
            cursor,
            """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   a.attidentity, a.attgenerated,
                   coalesce(pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r'
              AND a.attnum > 0 AND NOT a.attisdropped""",
            [schema],
        )
        constraints = _rows(
            cursor,
            """
            SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            WHERE con.connamespace = %s::regnamespace""",
            [schema],
        )
        indexes = _rows(
            cursor,
            """
            SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE ic.relnamespace = %s::regnamespace""",
            [schema],
        )
        triggers = _rows(
            cursor,
            """
            SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = %s::regnamespace AND NOT t.tgisinternal""",
            [schema],
        )

    def neutral(value):
        if not isinstance(value, str):
            return value
        return _same_in_list(value.replace(f"{quote(schema)}.", "<schema>.").replace(f"{schema}.", "<schema>."))

    return {
        "columns": sorted(tuple(neutral(v) for v in row) for row in columns),
        "constraints": sorted(tuple(neutral(v) for v in row) for row in constraints),
        "indexes": sorted(tuple(neutral(v) for v in row) for row in indexes),
        "triggers": sorted(tuple(neutral(v) for v in row) for row in triggers),
    }
