"""A municipality's rows in the public schema: which tables hold them, reading them for an
archive and writing them back under the restored municipality's ids.

Every public table is listed in PUBLIC_TABLES with what a municipality's archive does with it;
a test fails when a table appears that nobody decided about."""

import json

from django.db import connection

from hamaynk.tenancy.models import Domain, Municipality, Region

RESTORED = "restored"
REBUILT = "rebuilt"
NOT_MUNICIPAL = "not the municipality's"

# Every model whose table is in the public schema: (what happens, why).
PUBLIC_TABLES = {
    "tenancy.Municipality": (RESTORED, "the municipality itself, under the target slug (and uuid, see docs/backup.md)"),
    "tenancy.Domain": (RESTORED, "its subdomain on this deployment and its own domains"),
    "tenancy.StatisticsSnapshot": (RESTORED, "the console's last figures, refreshed by the next statistics run"),
    "provisioning.ProvisioningRun": (RESTORED, "how it was provisioned (history)"),
    "provisioning.ProvisioningStep": (RESTORED, "the steps of those runs"),
    "audit.Entry": (RESTORED, "the ministry's entries about the municipality and its domains (history)"),
    "events.Event": (RESTORED, "platform events about the municipality, as sent (history)"),
    "events.ProcessedEvent": (RESTORED, "consumers' receipts of those events"),
    "events.DeadLetter": (RESTORED, "events a consumer gave up on, still to be replayed by an operator"),
    "events.PendingSchema": (REBUILT, "the relay's index of schemas with unsent events"),
    "webhooks.DueSchema": (REBUILT, "the index of schemas with webhook deliveries due"),
    "tenancy.Region": (NOT_MUNICIPAL, "national reference data; matched by code"),
    "provisioning.GoldenSchema": (NOT_MUNICIPAL, "the deployment's golden schema"),
    "events.RelayedMinute": (NOT_MUNICIPAL, "the relay's counts for the whole deployment"),
    "webhooks.Subscription": (NOT_MUNICIPAL, "the ministry's subscriptions (a municipality's are in its schema)"),
    "webhooks.Delivery": (
        NOT_MUNICIPAL,
        "deliveries to the ministry's receivers, owed by the deployment that made them",
    ),
    "webhooks.Attempt": (NOT_MUNICIPAL, "the log of those deliveries"),
    "contenttypes.ContentType": (NOT_MUNICIPAL, "the public schema's own"),
    "auth.Permission": (NOT_MUNICIPAL, "the ministry's users (a municipality's staff are in its schema)"),
    "auth.Group": (NOT_MUNICIPAL, "the ministry's users"),
    "auth.Group_permissions": (NOT_MUNICIPAL, "the ministry's users"),
    "auth.User": (NOT_MUNICIPAL, "the ministry's users"),
    "auth.User_groups": (NOT_MUNICIPAL, "the ministry's users"),
    "auth.User_user_permissions": (NOT_MUNICIPAL, "the ministry's users"),
    "sessions.Session": (NOT_MUNICIPAL, "the ministry's sessions"),
    "axes.AccessAttempt": (NOT_MUNICIPAL, "the console's sign-in lockouts"),
    "axes.AccessAttemptExpiration": (NOT_MUNICIPAL, "the console's sign-in lockouts"),
    "axes.AccessFailureLog": (NOT_MUNICIPAL, "the console's sign-in failures"),
    "axes.AccessLog": (NOT_MUNICIPAL, "the console's sign-ins"),
    "otp_totp.TOTPDevice": (NOT_MUNICIPAL, "the ministry's second factors"),
    "otp_static.StaticDevice": (NOT_MUNICIPAL, "the ministry's second factors"),
    "otp_static.StaticToken": (NOT_MUNICIPAL, "the ministry's second factors"),
}


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row_to_json(t)::text FROM ({sql}) t", params)
        return [json.loads(row[0]) for row in cursor.fetchall()]


def read(municipality):
    """The municipality's public rows as JSON objects (PostgreSQL's own text for every value)."""
    pk, schema = municipality.pk, municipality.schema_name
    domains = _rows("SELECT * FROM public.tenancy_domain WHERE tenant_id = %s ORDER BY id", [pk])
    runs = _rows("SELECT * FROM public.provisioning_provisioningrun WHERE municipality_id = %s ORDER BY id", [pk])
    events = _rows("SELECT * FROM public.events_event WHERE municipality_uuid = %s ORDER BY seq", [municipality.uuid])
    return {
        "region_code": municipality.region.code,
        "tenancy_municipality": _rows("SELECT * FROM public.tenancy_municipality WHERE id = %s", [pk]),
        "tenancy_domain": domains,
        "tenancy_statisticssnapshot": _rows(
            "SELECT * FROM public.tenancy_statisticssnapshot WHERE municipality_id = %s", [pk]
        ),
        "provisioning_provisioningrun": runs,
        "provisioning_provisioningstep": _rows(
            "SELECT * FROM public.provisioning_provisioningstep WHERE run_id = ANY(%s) ORDER BY id",
            [[run["id"] for run in runs]],
        ),
        "audit_entry": _rows(
            "SELECT * FROM public.audit_entry WHERE (object_type = 'tenancy.municipality' AND object_id = %s) "
            "OR (object_type = 'tenancy.domain' AND object_id = ANY(%s)) ORDER BY id",
            [str(pk), [str(domain["id"]) for domain in domains]],
        ),
        "events_event": events,
        "events_processedevent": _rows(
            "SELECT * FROM public.events_processedevent WHERE event_id = ANY(%s::uuid[]) ORDER BY id",
            [[event["id"] for event in events]],
        ),
        "events_deadletter": _rows(
            "SELECT * FROM public.events_deadletter WHERE schema_name = %s ORDER BY id", [schema]
        ),
        "events_pendingschema": _rows("SELECT * FROM public.events_pendingschema WHERE schema_name = %s", [schema]),
        "webhooks_dueschema": _rows("SELECT * FROM public.webhooks_dueschema WHERE schema_name = %s", [schema]),
    }


def _columns(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def insert(table, row, *, key="id", conflict=""):
    """Inserts one archived row as PostgreSQL reads it back from JSON, without its own key
    (the table's sequence gives a new one). Returns the new key, or None on a skipped conflict."""
    names = [name for name in _columns(table) if name != key and name in row]
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO public.{table} ({columns}) SELECT {columns} "
            f"FROM json_populate_record(NULL::public.{table}, %s::json) {conflict} RETURNING {key}",
            [json.dumps(row)],
        )
        found = cursor.fetchone()
    return found[0] if found else None


def check(rows):
    """Problems that stop a restore before anything is changed."""
    if not Region.objects.filter(code=rows["region_code"]).exists():
        return [f"The region “{rows['region_code']}” does not exist in this deployment."]
    return []


def restore(rows, *, slug, municipality_uuid, schema_name, domains):
    """Writes the archived public rows for the restored municipality (inside the caller's
    transaction). Returns the new Municipality."""
    source = rows["tenancy_municipality"][0]
    municipality = Municipality(
        uuid=municipality_uuid,
        slug=slug,
        schema_name=schema_name,
        region=Region.objects.get(code=rows["region_code"]),
        **{
            name: Municipality._meta.get_field(name).to_python(source[name])
            for name in ("name_hy", "name_en", "name_ru", "status", "template_name", "template_version")
        },
    )
    municipality.activated_at = Municipality._meta.get_field("activated_at").to_python(source["activated_at"])
    municipality.save()  # the audit trail records it and the host caches forget it
    Municipality.objects.filter(pk=municipality.pk).update(
        created_at=Municipality._meta.get_field("created_at").to_python(source["created_at"])
    )
    new_domain_ids = {}
    archived_ids = {domain["domain"]: domain["id"] for domain in rows["tenancy_domain"]}
    for host, primary in domains:
        domain = Domain.objects.create(domain=host, tenant=municipality, is_primary=primary)
        if host in archived_ids:
            new_domain_ids[str(archived_ids[host])] = str(domain.pk)

    for snapshot in rows["tenancy_statisticssnapshot"]:
        insert("tenancy_statisticssnapshot", {**snapshot, "municipality_id": municipality.pk})
    run_ids = {}
    for run in rows["provisioning_provisioningrun"]:
        run_ids[run["id"]] = insert("provisioning_provisioningrun", {**run, "municipality_id": municipality.pk})
    for step in rows["provisioning_provisioningstep"]:
        insert("provisioning_provisioningstep", {**step, "run_id": run_ids[step["run_id"]]})
    old_pk = str(source["id"])
    for entry in rows["audit_entry"]:
        if entry["object_type"] == "tenancy.municipality":
            object_id = str(municipality.pk) if entry["object_id"] == old_pk else entry["object_id"]
        else:
            object_id = new_domain_ids.get(entry["object_id"], entry["object_id"])
        insert("audit_entry", {**entry, "object_id": object_id})
    for event in rows["events_event"]:
        # Platform events were relayed by the deployment that wrote them: history here.
        sent = event["sent_at"] or _now_text()
        insert("events_event", {**event, "sent_at": sent}, key="seq", conflict="ON CONFLICT (id) DO NOTHING")
    for receipt in rows["events_processedevent"]:
        insert("events_processedevent", receipt, conflict="ON CONFLICT DO NOTHING")
    for letter in rows["events_deadletter"]:
        insert(
            "events_deadletter",
            {**letter, "schema_name": schema_name, "municipality_slug": slug},
            conflict="ON CONFLICT DO NOTHING",
        )
    return municipality


def _now_text():
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()::text")
        return cursor.fetchone()[0]
