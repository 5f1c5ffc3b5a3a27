"""Exporting one municipality to an archive and importing an archive into this deployment.

Export reads the schema with pg_dump and the public rows in one database snapshot, then the
files under the municipality's storage prefix. Import checks the whole archive first, restores
the schema under a scratch name, migrates it if it is older than this release, copies the
files, and only then, in one transaction, renames the schema into place (dropping the schema
it replaces, with --replace) and writes the public rows."""

import contextlib
import datetime
import importlib.metadata
import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from hamaynk.tenancy import routing
from hamaynk.tenancy.models import Domain, Municipality

from . import archive, postgres, public

SCHEMA_MEMBER = "schema.sql"
PUBLIC_MEMBER = "public.json"
FILES = "files/"
RESTORED_DELIVERY_NOTE = "Restored from an archive: not sent again automatically."


class BackupError(Exception):
    """A refusal or failure with a message for the operator; nothing was changed."""


def hamaynk_version():
    try:
        return importlib.metadata.version("hamaynk")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@contextlib.contextmanager
def _in_schema_of(municipality):
    """The connection working for `municipality` (a saved one or an unsaved stand-in), so the
    storage computes its prefix, then back in the public schema."""
    connection.set_tenant(municipality)
    try:
        yield
    finally:
        connection.set_schema_to_public()


def _walk(storage, folder=""):
    """Every file name under `folder` of the storage, relative to the municipality's prefix."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def municipality_files(municipality):
    with _in_schema_of(municipality):
        return list(_walk(default_storage))


def _migrations(schema):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {connection.ops.quote_name(schema)}.django_migrations ORDER BY id")
        return [list(row) for row in cursor.fetchall()]


def _schema_exists(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def _outstanding(schema):
    quoted = connection.ops.quote_name(schema)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {quoted}.events_event WHERE sent_at IS NULL")
        events = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {quoted}.webhooks_delivery WHERE status = 'pending'")
        deliveries = cursor.fetchone()[0]
    return {"unsent_events": events, "pending_webhook_deliveries": deliveries}


# ----------------------------------------------------------------------------------- export


@dataclass
class ExportResult:
    manifest: dict
    files: int
    bytes_written: int = 0


def export(slug, output, *, progress=None):
    """Writes the archive of municipality `slug` to the binary file `output`."""
    say = progress or (lambda message: None)
    municipality = Municipality.objects.select_related("region").filter(slug=slug).first()
    if municipality is None:
        raise BackupError(f"No municipality “{slug}”.")
    if municipality.status == Municipality.Status.PROVISIONING:
        raise BackupError(f"{slug} is still being provisioned; export it once it is active.")
    if not _schema_exists(municipality.schema_name):
        raise BackupError(f"The schema {municipality.schema_name} of {slug} does not exist.")
    postgres.find_tool("pg_dump")  # a clear message before any work
    scratch = tempfile.mkdtemp(prefix="hamaynk-export-")
    try:
        writer = archive.Writer(scratch)
        dump_path = os.path.join(scratch, SCHEMA_MEMBER)
        # One snapshot for the dump and the public rows: they describe the same moment.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot(), now(), version()")
                snapshot, taken_at, server = cursor.fetchone()
            say(f"Dumping schema {municipality.schema_name}...")
            pg_dump = postgres.dump_schema(municipality.schema_name, dump_path, snapshot=snapshot)
            rows = public.read(municipality)
            migrations = _migrations(municipality.schema_name)
            outstanding = _outstanding(municipality.schema_name)
        writer.add_file(SCHEMA_MEMBER, dump_path)
        os.unlink(dump_path)
        writer.add_bytes(PUBLIC_MEMBER, json.dumps(rows, ensure_ascii=False, indent=1).encode())
        names = municipality_files(municipality)
        say(f"Copying {len(names)} files...")
        with _in_schema_of(municipality):
            for name in names:
                with default_storage.open(name, "rb") as handle:
                    writer.add_stream(FILES + name, handle, default_storage.size(name))
        manifest = writer.close(
            {
                "hamaynk_version": hamaynk_version(),
                "created_at": timezone.now().isoformat(),
                "snapshot_at": taken_at.isoformat(),
                "municipality": {
                    "uuid": str(municipality.uuid),
                    "slug": municipality.slug,
                    "schema": municipality.schema_name,
                    "status": municipality.status,
                    "name_hy": municipality.name_hy,
                    "name_en": municipality.name_en,
                },
                "template": {"name": municipality.template_name, "version": municipality.template_version},
                "platform_domain": settings.PLATFORM_DOMAIN,
                "migrations": migrations,
                "outstanding_work": outstanding,
                "postgresql": {
                    "server": server,
                    "pg_dump": os.path.basename(os.path.dirname(os.path.dirname(pg_dump))),
                },
                "personal_data": True,
            },
            output,
        )
        return ExportResult(manifest=manifest, files=len(names))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ----------------------------------------------------------------------------------- import


@dataclass
class ImportPlan:
    slug: str
    uuid: object
    schema: str
    domains: list
    replaced: Municipality | None
    migrations_to_apply: list = field(default_factory=list)


@dataclass
class ImportResult:
    municipality: Municipality
    replaced: bool
    files: int
    migrations_applied: list
    outstanding: dict
    send_pending: bool


def check_migrations(archived):
    """(unknown here, to apply after restoring): an archive from a newer release is refused."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)  # squashed migrations' originals included
    applied = {tuple(item) for item in archived}
    unknown = sorted(applied - known)
    from provisioning.golden import _tenant_app_labels

    tenant_apps = _tenant_app_labels()
    missing = set()
    for leaf in loader.graph.leaf_nodes():
        if leaf[0] not in tenant_apps:
            continue
        for node in loader.graph.forwards_plan(leaf):
            replaces = {tuple(item) for item in loader.graph.nodes[node].replaces or ()}
            done = node in applied or (replaces and replaces <= applied)
            if node[0] in tenant_apps and not done:
                missing.add(node)
    return unknown, sorted(missing)


def _plan(manifest, rows, *, slug, domains, replace, keep_domains):
    source = manifest["municipality"]
    slug = slug or source["slug"]
    from provisioning.requests import validate_domain, validate_slug

    try:
        validate_slug(slug, check_taken=False)
    except ValidationError as exc:
        raise BackupError(f"“{slug}”: {' '.join(exc.messages)}") from None
    replaced = Municipality.objects.filter(slug=slug).first()
    if replaced is not None and not replace:
        raise BackupError(
            f"A municipality “{slug}” already exists here. Import under another slug (--slug NEW) or replace it "
            "(--replace). Nothing was changed."
        )
    if replaced is not None and replaced.status == Municipality.Status.PROVISIONING:
        raise BackupError(f"{slug} is being provisioned; it cannot be replaced now.")

    archived_uuid = source["uuid"]
    owner = Municipality.objects.filter(uuid=archived_uuid).first()
    import uuid as uuid_module

    if owner is None or (replaced is not None and owner.pk == replaced.pk):
        municipality_uuid = uuid_module.UUID(archived_uuid)  # a move or a restore keeps its identity
    else:
        municipality_uuid = uuid_module.uuid4()  # a copy beside the original is a new municipality
    schema = Municipality.schema_name_for(municipality_uuid)
    if _schema_exists(schema) and (replaced is None or replaced.schema_name != schema):
        raise BackupError(f"The schema {schema} already exists without this municipality. Nothing was changed.")

    hosts = [(f"{slug}.{settings.PLATFORM_DOMAIN}", True)]
    if domains is not None:
        own = [host.strip().lower() for host in domains if host.strip()]
    elif keep_domains:
        old_suffix = "." + manifest["platform_domain"]
        own = [row["domain"] for row in rows["tenancy_domain"] if not row["domain"].endswith(old_suffix)]
    else:
        own = []
    mine = set(Domain.objects.filter(tenant=replaced).values_list("domain", flat=True)) if replaced else set()
    taken_by = {}
    for host in [hosts[0][0], *own]:
        if host in mine:
            continue
        other = Domain.objects.filter(domain=host).select_related("tenant").first()
        if other is not None:
            taken_by[host] = other.tenant.slug
    if taken_by:
        listed = ", ".join(f"{host} (used by {owner_slug})" for host, owner_slug in taken_by.items())
        raise BackupError(
            f"Domains already in use here: {listed}. Give the domains to use with --domain, or --no-domains. "
            "Nothing was changed."
        )
    for host in own:
        if host not in mine:
            try:
                validate_domain(host)
            except ValidationError as exc:
                raise BackupError(" ".join(exc.messages)) from None
    hosts += [(host, False) for host in dict.fromkeys(own) if host != hosts[0][0]]
    return ImportPlan(slug=slug, uuid=municipality_uuid, schema=schema, domains=hosts, replaced=replaced)


def _restore_schema(dump, folder, old, scratch_schema):
    rewritten = os.path.join(folder, "restore.sql")
    postgres.rewrite_schema(dump, rewritten, old, scratch_schema)
    try:
        postgres.run_sql_file(rewritten)
    finally:
        os.unlink(rewritten)


def _settle_outstanding_work(schema, *, send_pending):
    """Events and webhook deliveries still owed when the archive was made. They were owed by the
    deployment that made the archive, whose relay and workers go on sending them; here they are
    closed (events marked sent, deliveries given up, which staff may send again by hand) unless
    the operator says the source never sent them (--send-pending)."""
    quoted = connection.ops.quote_name(schema)
    with connection.cursor() as cursor:
        if send_pending:
            cursor.execute(f"SELECT count(*) FROM {quoted}.events_event WHERE sent_at IS NULL")
            if cursor.fetchone()[0]:
                cursor.execute(
                    "INSERT INTO public.events_pendingschema (schema_name, since) VALUES (%s, now()) "
                    "ON CONFLICT (schema_name) DO NOTHING",
                    [schema],
                )
            cursor.execute(f"SELECT min(next_attempt_at) FROM {quoted}.webhooks_delivery WHERE status = 'pending'")
            due = cursor.fetchone()[0]
            if due is not None:
                cursor.execute(
                    "INSERT INTO public.webhooks_dueschema (schema_name, next_due_at) VALUES (%s, %s) "
                    "ON CONFLICT (schema_name) DO UPDATE SET next_due_at = LEAST(EXCLUDED.next_due_at, "
                    "public.webhooks_dueschema.next_due_at)",
                    [schema, due],
                )
            return
        cursor.execute(f"UPDATE {quoted}.events_event SET sent_at = now() WHERE sent_at IS NULL")
        cursor.execute(
            f"UPDATE {quoted}.webhooks_delivery SET status = 'dead', next_attempt_at = NULL, finished_at = now(), "
            "last_error = %s WHERE status = 'pending'",
            [RESTORED_DELIVERY_NOTE],
        )


def _drop_schema(name):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(name)} CASCADE")


def _copy_files(folder, manifest, stand_in):
    names = [name[len(FILES) :] for name in manifest["members"] if name.startswith(FILES)]
    with _in_schema_of(stand_in):
        for name in names:
            if default_storage.exists(name):
                default_storage.delete(name)
            with open(archive.member_path(folder, FILES + name), "rb") as handle:
                saved = default_storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError(f"The file store renamed {name} to {saved}; the restore stops.")
    return names


def _remove_files(stand_in, keep=()):
    keep = set(keep)
    with _in_schema_of(stand_in):
        for name in list(_walk(default_storage)):
            if name not in keep:
                default_storage.delete(name)


def import_archive(
    source, *, slug=None, domains=None, keep_domains=True, replace=False, send_pending=False, progress=None
):
    """Restores the archive at `source` (a path or a binary file). Raises BackupError with the
    reason, having changed nothing, when the archive or this deployment does not allow it."""
    say = progress or (lambda message: None)
    folder = tempfile.mkdtemp(prefix="hamaynk-import-")
    scratch_schema = f"m_restore_{secrets.token_hex(8)}"
    files_written = None
    copying = False
    plan = None
    try:
        say("Checking the archive...")
        try:
            manifest = archive.extract_verified(source, folder)
        except archive.ArchiveError as exc:
            raise BackupError(str(exc)) from None
        with open(archive.member_path(folder, PUBLIC_MEMBER), encoding="utf-8") as handle:
            rows = json.load(handle)
        unknown, to_apply = check_migrations(manifest["migrations"])
        if unknown:
            listed = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
            raise BackupError(
                f"The archive was made by a newer Hamaynk ({manifest.get('hamaynk_version')}): its schema has "
                f"migrations this release does not know ({listed}). Upgrade this deployment first. Nothing was changed."
            )
        problems = public.check(rows)
        if problems:
            raise BackupError(" ".join(problems) + " Nothing was changed.")
        plan = _plan(manifest, rows, slug=slug, domains=domains, replace=replace, keep_domains=keep_domains)
        plan.migrations_to_apply = to_apply
        postgres.find_tool("psql")

        say(f"Restoring the schema into {scratch_schema}...")
        _restore_schema(
            archive.member_path(folder, SCHEMA_MEMBER), folder, manifest["municipality"]["schema"], scratch_schema
        )
        applied = []
        if to_apply:
            say(f"Applying {len(to_apply)} migrations the archive is missing...")
            from provisioning.golden import migrate_schema

            before = {tuple(item) for item in _migrations(scratch_schema)}
            migrate_schema(scratch_schema, verbosity=0, label="restore")
            connection.set_schema_to_public()
            applied = sorted({tuple(item) for item in _migrations(scratch_schema)} - before)
        outstanding = _outstanding(scratch_schema)

        stand_in = Municipality(uuid=plan.uuid, slug=plan.slug, schema_name=scratch_schema)
        say("Copying files...")
        copying = True
        files_written = _copy_files(folder, manifest, stand_in)

        say("Switching the municipality over...")
        with transaction.atomic():
            replaced = plan.replaced
            if replaced is not None:
                old_schema = replaced.schema_name
                with connection.cursor() as cursor:
                    for table in ("events_pendingschema", "webhooks_dueschema", "events_deadletter"):
                        cursor.execute(f"DELETE FROM public.{table} WHERE schema_name = %s", [old_schema])
                routing.forget_municipality(replaced)
                replaced.delete()  # its domains, runs and figures go with it (the audit trail records it)
                _drop_schema(old_schema)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ALTER SCHEMA {connection.ops.quote_name(scratch_schema)} "
                    f"RENAME TO {connection.ops.quote_name(plan.schema)}"
                )
            _settle_outstanding_work(plan.schema, send_pending=send_pending)
            municipality = public.restore(
                rows,
                slug=plan.slug,
                municipality_uuid=plan.uuid,
                schema_name=plan.schema,
                domains=plan.domains,
            )
        scratch_schema = None  # committed: the scratch schema is the municipality's now
        # After the switch: files the replaced municipality had and the archive has not.
        if plan.replaced is not None:
            if plan.replaced.uuid == plan.uuid:
                _remove_files(municipality, keep=files_written)
            else:
                _remove_files(plan.replaced)
        with _in_schema_of(municipality):
            from django.core.cache import cache

            cache.delete("wagtail_site_root_paths")
        routing.forget_municipality(municipality)
        return ImportResult(
            municipality=municipality,
            replaced=plan.replaced is not None,
            files=len(files_written),
            migrations_applied=[f"{app}.{name}" for app, name in applied],
            outstanding=outstanding,
            send_pending=send_pending,
        )
    except BaseException:
        connection.set_schema_to_public()
        if scratch_schema is not None:
            _drop_schema(scratch_schema)
            # Files copied for a municipality that did not come to be (a new identity only: a
            # replaced municipality's own files stay where they are).
            if copying and (plan.replaced is None or plan.replaced.uuid != plan.uuid):
                _remove_files(Municipality(uuid=plan.uuid, slug=plan.slug, schema_name="public"))
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def archive_name(slug):
    return f"{slug}-{datetime.datetime.now():%Y%m%d-%H%M%S}.hamaynk.tar.gz"
