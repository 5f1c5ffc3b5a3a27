"""Migrates every municipality's schema and reports each schema's result.

Running Django's migrate in a schema costs about a second even when nothing is pending (it
loads the migration graph, checks every migration and fires post_migrate), so with 1,500
municipalities a release would wait half an hour for nothing. Instead:

1. the golden schema is brought up to this release first (it is what new municipalities are
   copied from, and its migration records are the list every schema must have);
2. one query per few hundred schemas finds, for each schema, which of the golden schema's
   migration records it lacks; schemas that lack none are reported up to date and not touched;
3. schemas that lack the same migrations get them as SQL generated once: when every pending
   migration is atomic and made only of operations whose SQL is the same in every schema
   (adding a field, an index or a constraint, removing an index or a constraint, plain SQL),
   the statements are collected from the golden schema's migration state once and run in each
   schema in one transaction together with its migration records;
4. anything else (data migrations, new models, which need their content types and permissions,
   a schema whose history is unusual) goes through Django's migrate in that schema.

A failing schema never stops the others: it is rolled back, retried once after the rest with
Django's migrate, and reported with its error if it fails again.
"""

import io
import queue
import threading
import time
from dataclasses import dataclass

from django.db import connection, connections, transaction
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader

from hamaynk.tenancy.models import Municipality

from . import golden
from .golden import migrate_schema, quote

# Operations whose SQL names only the tables of the schema it runs in and needs nothing from the
# database to be generated: the same statements serve every schema.
SCHEMA_NEUTRAL_OPERATIONS = (
    operations.AddField,
    operations.AddIndex,
    operations.RemoveIndex,
    operations.AddConstraint,
    operations.RemoveConstraint,
    operations.RunSQL,
)
CHUNK = 200  # schemas per query when looking for pending migrations
LOCK_TIMEOUT = "10s"  # a schema whose tables are busy fails and is retried, rather than queueing traffic


@dataclass
class SchemaResult:
    slug: str
    schema: str
    ok: bool
    seconds: float
    error: str = ""
    pending: int = 0  # migrations the schema lacked
    how: str = ""  # "up to date", "sql" (the shared statements) or "migrate" (Django's migrate)
    attempts: int = 1

    @property
    def summary(self):
        if not self.ok:
            return self.error
        if self.how == "up to date":
            return "up to date"
        retried = " after a retry" if self.attempts > 1 else ""
        return f"{self.pending} applied ({self.how}){retried}"


@dataclass
class Survey:
    """What each schema lacks, found before anything runs."""

    expected: list  # the golden schema's migration records, (app, name), in the order applied
    pending: dict  # schema -> tuple of (app, name) it lacks; None when its records cannot be read
    seconds: float


def expected_migrations(golden_schema):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {quote(golden_schema)}.django_migrations ORDER BY id")
        return [tuple(row) for row in cursor.fetchall()]


def survey(schemas, golden_schema):
    """Every schema's missing migration records, with one query per CHUNK schemas."""
    started = time.perf_counter()
    connection.set_schema_to_public()
    expected = expected_migrations(golden_schema)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        readable = {row[0] for row in cursor.fetchall()}
        pending = {schema: None for schema in schemas if schema not in readable}
        listed = [schema for schema in schemas if schema in readable]
        source = f"{quote(golden_schema)}.django_migrations"
        for start in range(0, len(listed), CHUNK):
            chunk = listed[start : start + CHUNK]
            parts = [
                f"SELECT %s, array_agg(g.id ORDER BY g.id) FROM {source} g WHERE NOT EXISTS "
                f"(SELECT 1 FROM {quote(schema)}.django_migrations m WHERE m.app = g.app AND m.name = g.name)"
                for schema in chunk
            ]
            cursor.execute(" UNION ALL ".join(parts), chunk)
            missing_ids = dict(cursor.fetchall())
            if any(missing_ids.values()):
                cursor.execute(f"SELECT id, app, name FROM {source}")
                by_id = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
            for schema in chunk:
                pending[schema] = tuple(by_id[i] for i in missing_ids.get(schema) or ())
    return Survey(expected, pending, time.perf_counter() - started)


def shared_sql(keys, golden_schema):
    """The statements that apply the migrations `keys` (in order) to any schema, or None when one
    of them needs Django's migrate."""
    connection.set_schema(golden_schema)
    try:
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        plan = []
        for key in keys:
            migration = loader.graph.nodes.get(key)
            if migration is None:  # replaced by a squashed migration, or not on disk
                return None
            if not migration.atomic or not all(
                isinstance(operation, SCHEMA_NEUTRAL_OPERATIONS) for operation in migration.operations
            ):
                return None
            plan.append((migration, False))
        statements = loader.collect_sql(plan) if plan else []
    finally:
        connection.set_schema_to_public()
    return [statement for statement in statements if not statement.lstrip().startswith("--")]


def apply_sql(schema, statements, keys):
    """Runs the shared statements and records the migrations in one transaction of this schema."""
    connection.set_schema(schema)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            for statement in statements:
                cursor.execute(statement)
            cursor.executemany(
                f"INSERT INTO {quote(schema)}.django_migrations (app, name, applied) VALUES (%s, %s, now())",
                list(keys),
            )
    finally:
        connection.set_schema_to_public()


def _run(target, keys, statements):
    slug, schema = target
    started = time.perf_counter()
    try:
        if statements is not None:
            apply_sql(schema, statements, keys)
            return SchemaResult(slug, schema, True, time.perf_counter() - started, pending=len(keys), how="sql")
        migrate_schema(schema, verbosity=0, label="parallel", stdout=io.StringIO())
        return SchemaResult(slug, schema, True, time.perf_counter() - started, pending=len(keys), how="migrate")
    except Exception as exc:  # reported per schema; the other schemas carry on
        error = f"{type(exc).__name__}: {exc}".strip()
        return SchemaResult(slug, schema, False, time.perf_counter() - started, error, pending=len(keys))


def _in_parallel(jobs, workers):
    """Runs the callables in `jobs` on `workers` threads, each with its own database connection,
    yielding their results as they finish."""
    work, done = queue.Queue(), queue.Queue()
    for job in jobs:
        work.put(job)

    def worker():
        try:
            while True:
                try:
                    job = work.get_nowait()
                except queue.Empty:
                    return
                done.put(job())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, min(workers, len(jobs))))]
    for thread in threads:
        thread.start()
    for _ in range(len(jobs)):
        yield done.get()
    for thread in threads:
        thread.join()


def migrate_all(workers=4, statuses=None, on_result=None, on_survey=None):
    statuses = statuses or [Municipality.Status.ACTIVE, Municipality.Status.SUSPENDED]
    golden_schema = golden.ensure_current().name
    targets = list(Municipality.objects.filter(status__in=statuses).order_by("slug").values_list("slug", "schema_name"))
    found = survey([schema for _slug, schema in targets], golden_schema)
    if on_survey:
        on_survey(found)

    results, jobs, plans = [], [], {}
    for slug, schema in targets:
        keys = found.pending[schema]
        if keys == ():
            results.append(SchemaResult(slug, schema, True, 0.0, how="up to date"))
            if on_result:
                on_result(results[-1])
            continue
        if keys is not None and keys not in plans:
            plans[keys] = shared_sql(keys, golden_schema)
        statements = plans.get(keys) if keys is not None else None
        jobs.append(
            lambda target=(slug, schema), keys=keys or (), statements=statements: _run(target, keys, statements)
        )
    connections.close_all()

    failed = []
    for result in _in_parallel(jobs, workers):
        if result.ok:
            results.append(result)
            if on_result:
                on_result(result)
        else:
            failed.append(result)
    # The second try, after the others, with Django's migrate: a lock held for a moment, or a
    # schema whose history the shared statements did not fit.
    retries = [lambda first=first: _retry(first) for first in failed]
    for result in _in_parallel(retries, workers):
        results.append(result)
        if on_result:
            on_result(result)
    return results


def _retry(first):
    result = _run((first.slug, first.schema), (), None)
    result.attempts, result.pending = 2, first.pending
    result.seconds += first.seconds
    return result
