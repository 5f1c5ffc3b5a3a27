"""Per-municipality archives: a populated municipality exported and imported under a new slug
with every table and every file equal, damaged archives and taken slugs refused with nothing
changed, a replace, the migration check, and the restored municipality reachable only on its
own host while the original stays as it was."""

import io
import json
import socket
import tarfile
from datetime import date

import boto3
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from hamaynk.backup import archive, operations, postgres, public
from hamaynk.tenancy.models import Domain, Municipality
from tests.conftest import provision_ok
from tests.two_factor_helpers import password_and_code

BUCKET = "hamaynk-backup-test"
ADMIN_PASSWORD = "backup-admin-password-1"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3():
    """Files on a real S3 server (moto) for the whole module: the default storage is the
    municipal S3 storage while these tests run."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    client.create_bucket(Bucket=BUCKET)
    storages = dict(django_settings.STORAGES)
    storages["default"] = {
        "BACKEND": "hamaynk.tenancy.storage.MunicipalS3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": endpoint,
            "access_key": "test",
            "secret_key": "test",
            "region_name": "us-east-1",
        },
    }
    override = override_settings(STORAGES=storages, STORAGE_BACKEND="s3")
    override.enable()
    yield client
    override.disable()
    server.stop()


def objects(client, municipality_uuid):
    """{name relative to the municipality's prefix: bytes} of every object it has on S3."""
    prefix = f"municipalities/{municipality_uuid}/"
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"][len(prefix) :]] = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
    return found


def tables(schema):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE' "
            "ORDER BY 1",
            [schema],
        )
        return [row[0] for row in cursor.fetchall()]


def contents(schema):
    """{table: sorted rows as JSON objects} and {sequence: last value} of a whole schema."""
    rows = {}
    with connection.cursor() as cursor:
        for table in tables(schema):
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{schema}"."{table}" t')
            rows[table] = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s ORDER BY 1",
            [schema],
        )
        sequences = dict(cursor.fetchall())
    return {table: [json.loads(text) for text in texts] for table, texts in rows.items()}, sequences


def schemas():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'm\\_%%' ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


def state_of_the_deployment():
    return (
        schemas(),
        sorted(Municipality.objects.values_list("slug", "uuid", "schema_name")),
        sorted(Domain.objects.values_list("domain", "tenant_id")),
    )


@pytest.fixture(scope="module")
def town(s3):
    """A fresh municipality with register records, a case with an uploaded file, a website page
    with a document, and a budget."""
    from wagtail.documents.models import Document

    from tenants.budget.models import Category, Line
    from tenants.cases import workflow
    from tenants.cases.models import CaseFile
    from tenants.catalogue.models import Service
    from tenants.registers import services
    from tenants.website.models import HomePage, StandardPage

    municipality = provision_ok(admin_password=ADMIN_PASSWORD)
    with schema_context(municipality.schema_name):
        street = services.create("streets", {"name": "Մաշտոցի", "settlement": "Կենտրոն", "kind": "avenue"})
        services.create("addresses", {"street": str(street.uuid), "building": "2"})
        services.create("addresses", {"street": str(street.uuid), "building": "4ա"})
        case = workflow.submit(
            Service.objects.get(code="residence_certificate"),
            {
                "psn": "1234567890",
                "last_name": "Պետրոսյան",
                "first_name": "Անի",
                "address": "Կենտրոն, Բաղրամյան, 11, 4",
                "purpose": "Բանկ",
            },
            applicant={"name": "Անի Պետրոսյան", "language": "hy"},
            channel="window",
        )
        content = b"%PDF-1.4 passport scan \x00\xff" * 100
        key = default_storage.save(f"cases/{case.year}/{case.number}/application/passport.pdf", ContentFile(content))
        CaseFile.objects.create(
            case=case,
            event=case.events.first(),
            kind=CaseFile.Kind.APPLICATION,
            name="passport.pdf",
            size=len(content),
            content_type="application/pdf",
            key=key,
        )
        home = HomePage.objects.get(locale__language_code="hy")
        page = home.add_child(
            instance=StandardPage(title="Ջրամատակարարում", slug="water", body="<p>Ջրի գրաֆիկ</p>", live=False)
        )
        page.save_revision().publish()
        Document.objects.create(title="Որոշում 12", file=ContentFile(b"%PDF-1.4 decision", name="decision-12.pdf"))
        for code, planned, executed in (("01", 700_000_000, 650_000_000), ("09", 450_000_000, 430_250_000)):
            Line.objects.create(
                year=date.today().year, category=Category.objects.get(code=code), planned=planned, executed=executed
            )
    connection.set_schema_to_public()
    municipality.refresh_from_db()
    return municipality


@pytest.fixture(scope="module")
def exported(town, tmp_path_factory):
    path = tmp_path_factory.mktemp("archives") / "town.hamaynk.tar.gz"
    before = contents(town.schema_name)
    call_command("municipality", "export", town.slug, "--output", str(path), stdout=io.StringIO())
    return path, before


@pytest.fixture(scope="module")
def copy(town, exported, s3):
    path, _ = exported
    out = io.StringIO()
    call_command("municipality", "import", str(path), "--slug", f"{town.slug}-copy", stdout=out)
    assert f"{town.slug}-copy: restored from the archive" in out.getvalue()
    return Municipality.objects.get(slug=f"{town.slug}-copy")


def test_the_archive_holds_a_manifest_with_every_members_checksum(town, exported, s3):
    path, _ = exported
    with tarfile.open(path, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        assert names[0] == "manifest.json"
        assert set(names[1:]) == set(manifest["members"])
        import hashlib

        for name in names[1:]:
            assert hashlib.sha256(tar.extractfile(name).read()).hexdigest() == manifest["members"][name]["sha256"]
    assert manifest["format_version"] == archive.FORMAT_VERSION
    assert manifest["municipality"]["uuid"] == str(town.uuid)
    assert manifest["template"] == {"name": town.template_name, "version": town.template_version}
    assert ["cases", "0001_initial"] in manifest["migrations"]
    assert manifest["hamaynk_version"] and manifest["created_at"]
    assert manifest["outstanding_work"]["unsent_events"] > 0  # no relay runs in these tests
    files = {name[len("files/") :] for name in manifest["members"] if name.startswith("files/")}
    assert files == set(objects(s3, town.uuid))
    assert any(name.endswith("passport.pdf") for name in files) and any("decision-12" in n for n in files)


def test_a_round_trip_keeps_every_row_of_every_table_and_every_file(town, exported, copy, s3):
    _, before = exported
    source_rows, source_sequences = contents(town.schema_name)
    copied_rows, copied_sequences = contents(copy.schema_name)
    assert tables(copy.schema_name) == tables(town.schema_name)
    assert copied_sequences == source_sequences
    unsent = 0
    for table, rows in source_rows.items():
        restored = copied_rows[table]
        if table == "events_event":
            # Events still owed when the archive was made are the source's to send: marked sent here.
            unsent = sum(1 for row in rows if row["sent_at"] is None)
            assert all(row["sent_at"] is not None for row in restored)
            rows = [{**row, "sent_at": None} for row in rows]
            restored = [{**row, "sent_at": None} for row in restored]
        assert restored == rows, table
    assert unsent > 0
    assert sum(len(rows) for rows in source_rows.values()) > 500
    for table in ("registers_record", "cases_case", "cases_casefile", "budget_line", "wagtailcore_page"):
        assert copied_rows[table], table
    # The original is untouched by the export and the import.
    assert source_rows == before[0]
    originals = objects(s3, town.uuid)
    assert originals and objects(s3, copy.uuid) == originals


def test_the_copy_is_a_municipality_of_its_own_with_the_public_rows(town, copy):
    assert copy.uuid != town.uuid and copy.schema_name == f"m_{copy.uuid.hex}"
    assert (copy.name_hy, copy.region_id, copy.status) == (town.name_hy, town.region_id, town.status)
    assert (copy.template_name, copy.template_version) == (town.template_name, town.template_version)
    assert copy.created_at == town.created_at
    assert list(copy.domains.values_list("domain", "is_primary")) == [(copy.primary_host, True)]
    assert copy.provisioning_runs.count() == town.provisioning_runs.count() == 1
    run, original_run = copy.provisioning_runs.get(), town.provisioning_runs.get()
    assert run.steps.count() == original_run.steps.count() and run.request == original_run.request
    assert copy.statistics.values == town.statistics.values
    from tenants.audit.models import Entry

    history = Entry.objects.filter(object_type="tenancy.municipality", object_id=str(copy.pk))
    assert history.filter(action="onboard").count() == 2  # the original onboarding and the restore


def test_the_restored_municipality_works_and_only_on_its_own_host(town, copy, alpha, client_for):
    from tenants.website.models import HomePage, StandardPage

    copied, original, other = (
        client_for(copy.primary_host),
        client_for(town.primary_host),
        client_for(alpha.primary_host),
    )
    assert copy.name_hy in copied.get("/").content.decode()
    assert copied.get("/water/").status_code == 200 and original.get("/water/").status_code == 200
    # A page added in the copy is the copy's alone.
    with schema_context(copy.schema_name):
        home = HomePage.objects.get(locale__language_code="hy")
        home.add_child(instance=StandardPage(title="Միայն պատճենում", slug="copy-only", body="<p>x</p>"))
    connection.set_schema_to_public()
    assert copied.get("/copy-only/").status_code == 200
    assert original.get("/copy-only/").status_code == 404
    assert other.get("/copy-only/").status_code == 404
    # The administrator signs in with the password the archive holds, and sees the case.
    admin = f"admin@{town.slug}.test"
    staff = password_and_code(client_for(copy.primary_host), admin, ADMIN_PASSWORD, copy)
    assert staff.get("/staff/").status_code == 200
    with schema_context(copy.schema_name):
        from tenants.cases.models import CaseFile

        stored = CaseFile.objects.select_related("case").get()
    connection.set_schema_to_public()
    detail = staff.get(f"/staff/cases/{stored.case_id}/")
    assert detail.status_code == 200 and stored.case.applicant_name in detail.content.decode()
    download = staff.get(f"/staff/cases/{stored.case_id}/files/{stored.pk}")
    assert download.status_code == 200
    body = b"".join(download.streaming_content) if download.streaming else download.content
    assert body == b"%PDF-1.4 passport scan \x00\xff" * 100
    # The copy's files are read from its own prefix only.
    key = stored.key
    with schema_context(copy.schema_name):
        default_storage.delete(key)
    connection.set_schema_to_public()
    with schema_context(town.schema_name):
        assert default_storage.open(key).read() == body
    with schema_context(alpha.schema_name):
        assert not default_storage.exists(key)


def test_an_altered_archive_is_refused_and_nothing_changes(town, exported, copy, tmp_path):
    path, _ = exported
    altered = tmp_path / "altered.tar.gz"
    with tarfile.open(path, "r:gz") as source, tarfile.open(altered, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == "schema.sql":
                data = data.replace("Ջրամատակարարում".encode(), "Ջրամատակարարոււ".encode())
            target.addfile(member, io.BytesIO(data))
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = state_of_the_deployment()
    with pytest.raises(CommandError, match="schema.sql does not match its checksum"):
        call_command("municipality", "import", str(altered), "--slug", "altered-copy", stdout=io.StringIO())
    with pytest.raises(CommandError, match="damaged"):
        call_command("municipality", "import", str(truncated), "--slug", "truncated-copy", stdout=io.StringIO())
    assert state_of_the_deployment() == before


def test_a_taken_slug_is_refused_without_replace(town, exported, copy):
    path, _ = exported
    before = state_of_the_deployment()
    for slug in (town.slug, copy.slug):
        with pytest.raises(CommandError, match="already exists here"):
            call_command("municipality", "import", str(path), "--slug", slug, stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists here"):
        call_command("municipality", "import", str(path), stdout=io.StringIO())  # the archive's own slug
    assert state_of_the_deployment() == before


def test_an_archive_from_a_newer_release_is_refused(exported, tmp_path):
    path, _ = exported
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(path, "r:gz") as source, tarfile.open(newer, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"].append(["cases", "9999_from_the_future"])
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    before = state_of_the_deployment()
    with pytest.raises(CommandError, match="newer Hamaynk.*cases.9999_from_the_future"):
        call_command("municipality", "import", str(newer), "--slug", "newer-copy", stdout=io.StringIO())
    assert state_of_the_deployment() == before


def test_replace_swaps_the_schema_files_and_rows_in_one_step(town, exported, s3, tmp_path):
    path, _ = exported
    target = provision_ok()
    with schema_context(target.schema_name):
        default_storage.save("stray/only-in-the-replaced.txt", ContentFile(b"old"))
    connection.set_schema_to_public()
    old_schema, old_uuid = target.schema_name, target.uuid
    out = io.StringIO()
    call_command("municipality", "import", str(path), "--slug", target.slug, "--replace", stdout=out)
    assert f"{target.slug}: replaced from the archive" in out.getvalue()
    replaced = Municipality.objects.get(slug=target.slug)
    assert old_schema not in schemas() and replaced.schema_name in schemas()
    assert not [name for name in schemas() if name.startswith("m_restore_")]
    assert not Municipality.objects.filter(uuid=old_uuid).exists() and objects(s3, old_uuid) == {}
    assert objects(s3, replaced.uuid) == objects(s3, town.uuid)
    assert replaced.name_hy == town.name_hy
    assert list(replaced.domains.values_list("domain", flat=True)) == [replaced.primary_host]
    with schema_context(replaced.schema_name):
        from tenants.registers.models import Record

        restored_records = Record.objects.count()
    with schema_context(town.schema_name):
        assert Record.objects.count() == restored_records


def test_restoring_a_municipality_over_itself_keeps_its_identity(s3, tmp_path):
    municipality = provision_ok()
    path = tmp_path / "self.tar.gz"
    call_command("municipality", "export", municipality.slug, "--output", str(path), stdout=io.StringIO())
    with schema_context(municipality.schema_name):
        from tenants.budget.models import Category, Line

        Line.objects.create(year=2001, category=Category.objects.get(code="01"), planned=1, executed=1)
        default_storage.save("later/after-the-archive.txt", ContentFile(b"later"))
    connection.set_schema_to_public()
    call_command("municipality", "import", str(path), "--replace", stdout=io.StringIO())
    restored = Municipality.objects.get(slug=municipality.slug)
    assert restored.uuid == municipality.uuid and restored.schema_name == municipality.schema_name
    with schema_context(restored.schema_name):
        assert not Line.objects.filter(year=2001).exists()  # back to the archive's moment
        assert not default_storage.exists("later/after-the-archive.txt")


def test_the_schema_name_is_rewritten_in_statements_and_never_in_rows(tmp_path):
    old, new = "m_" + "a" * 32, "m_restore_0123"
    source = tmp_path / "dump.sql"
    source.write_text(
        f"CREATE TABLE {old}.t (id integer, note text);\n"
        f"COPY {old}.t (id, note) FROM stdin;\n"
        f"1\tmentions {old} in a row\n"
        "\\.\n"
        f"SELECT pg_catalog.setval('{old}.t_id_seq', 1, true);\n"
        f"CREATE INDEX i ON {old}x.t (id);\n"
    )
    target = tmp_path / "out.sql"
    postgres.rewrite_schema(source, target, old, new)
    lines = target.read_text().splitlines()
    assert lines[0] == f"CREATE TABLE {new}.t (id integer, note text);"
    assert lines[1] == f"COPY {new}.t (id, note) FROM stdin;"
    assert lines[2] == f"1\tmentions {old} in a row"
    assert lines[4] == f"SELECT pg_catalog.setval('{new}.t_id_seq', 1, true);"
    assert lines[5] == f"CREATE INDEX i ON {old}x.t (id);"  # another name that only begins alike


def test_pg_dump_of_the_servers_version_is_found_or_the_error_says_what_to_install(monkeypatch):
    major = postgres.server_major()
    assert postgres.tool_major(postgres.find_tool("pg_dump")) == major
    monkeypatch.setattr(postgres, "_candidates", lambda name, major: [])
    with pytest.raises(postgres.ToolMissing, match=f"postgresql-client-{major}.*PG_BIN_DIR"):
        postgres.find_tool("pg_dump")


def test_every_public_table_is_accounted_for():
    """A new table in the public schema needs a decision: restored with a municipality or not."""
    shared = [
        model._meta.label
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_config.name in django_settings.SHARED_APPS
    ]
    assert sorted(set(shared) - set(public.PUBLIC_TABLES)) == []
    assert sorted(set(public.PUBLIC_TABLES) - set(shared)) == []


def test_an_unknown_municipality_and_a_missing_archive_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="No municipality “nowhere”"):
        call_command("municipality", "export", "nowhere", "--output", str(tmp_path / "x.tar.gz"))
    assert not list(tmp_path.iterdir())
    with pytest.raises(CommandError, match="No archive at"):
        call_command("municipality", "import", str(tmp_path / "missing.tar.gz"))


def test_send_pending_leaves_the_archives_unsent_events_to_the_relay(town, exported):
    from hamaynk.events.models import PendingSchema

    path, _ = exported
    slug = f"{town.slug}-pending"
    out = io.StringIO()
    call_command("municipality", "import", str(path), "--slug", slug, "--send-pending", stdout=out)
    assert "will be sent from here" in out.getvalue()
    restored = Municipality.objects.get(slug=slug)
    assert PendingSchema.objects.filter(schema_name=restored.schema_name).exists()
    with schema_context(restored.schema_name):
        from hamaynk.events.models import Event

        unsent = Event.objects.filter(sent_at__isnull=True).count()
    assert (
        unsent
        == json.loads(tarfile.open(path, "r:gz").extractfile("manifest.json").read())["outstanding_work"][
            "unsent_events"
        ]
    )


def test_a_waiting_webhook_delivery_is_given_up_in_the_copy_and_says_why(s3, tmp_path, client_for, settings):
    from hamaynk.events import delivery, registry
    from hamaynk.events.models import Event
    from tenants.cases import workflow
    from tenants.catalogue.models import Service
    from tenants.webhooks import services as webhooks
    from tenants.webhooks.models import Delivery
    from tests.registers_helpers import signed_in

    settings.WEBHOOK_ALLOW_LOCALHOST = True
    settings.TWO_FACTOR_REQUIRED = False
    source = provision_ok()
    with schema_context(source.schema_name):
        subscription, _ = webhooks.create(
            {"name": "Document flow", "url": "http://127.0.0.1:9/hook", "event_types": ["case.submitted"], "region": ""}
        )
        case = workflow.submit(
            Service.objects.get(code="residence_certificate"),
            {
                "psn": "1234567890",
                "last_name": "Պետրոսյան",
                "first_name": "Անի",
                "address": "Կենտրոն, Բաղրամյան, 11, 4",
                "purpose": "Բանկ",
            },
            applicant={"name": "Անի Պետրոսյան", "language": "hy"},
            channel="window",
        )
        delivery.deliver(Event.objects.get(type="case.submitted", aggregate_id=str(case.pk)), registry.get("webhooks"))
        assert Delivery.objects.get().status == "pending"
    connection.set_schema_to_public()
    path = tmp_path / "hooks.tar.gz"
    call_command("municipality", "export", source.slug, "--output", str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("municipality", "import", str(path), "--slug", f"{source.slug}-hooks", stdout=out)
    assert "1 waiting webhook deliveries given up" in out.getvalue()
    copy = Municipality.objects.get(slug=f"{source.slug}-hooks")
    with schema_context(copy.schema_name):
        made = Delivery.objects.get()
        assert made.status == "dead" and made.next_attempt_at is None
    with schema_context(source.schema_name):
        assert Delivery.objects.get().status == "pending"  # the source still owes it
    connection.set_schema_to_public()
    admin = signed_in(client_for, copy, "hooks-admin@backup.test", "administrator")
    armenian = admin.get(f"/staff/webhooks/{subscription.pk}/", HTTP_ACCEPT_LANGUAGE="hy").content.decode()
    english = admin.get(f"/staff/webhooks/{subscription.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-delivery="{made.pk}"' in armenian
    assert operations.RESTORED_DELIVERY_NOTE in english and operations.RESTORED_DELIVERY_NOTE not in armenian
    assert "արխիվից" in armenian
