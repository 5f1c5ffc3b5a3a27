"""What operators ask of the events: how far behind the relay is, and the dead letters to
inspect and replay (the `hamaynk events` command and the console page share these)."""

import dataclasses

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import DeadLetter


@dataclasses.dataclass
class Status:
    pending: int
    pending_schemas: int
    oldest_pending_seconds: float | None
    sent_last_hour: int
    dead_letters: int


def outbox_schemas(cursor):
    """Every schema with an outbox but the golden one."""
    cursor.execute(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = 'events_event' AND c.relkind = 'r' AND n.nspname <> %s ORDER BY 1",
        [settings.GOLDEN_SCHEMA_NAME],
    )
    return [row[0] for row in cursor.fetchall()]


def status(chunk=200):
    """Pending events in the schemas the index names (through each outbox's index of unsent
    events), the relay's count of the last hour, the dead letters: a few small reads whatever
    the number of municipalities and the size of their outboxes."""
    pending = schemas_pending = 0
    oldest = None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.schema_name FROM public.events_pendingschema p "
            "JOIN pg_namespace n ON n.nspname = p.schema_name ORDER BY 1"
        )
        schemas = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(schemas), chunk):
            part = schemas[start : start + chunk]
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT count(*), min(occurred_at) FROM {connection.ops.quote_name(schema)}.events_event "
                    "WHERE sent_at IS NULL"
                    for schema in part
                )
            )
            for unsent, first in cursor.fetchall():
                pending += unsent
                schemas_pending += bool(unsent)
                if first is not None and (oldest is None or first < oldest):
                    oldest = first
        cursor.execute(
            "SELECT coalesce(sum(sent), 0) FROM public.events_relayedminute WHERE minute > now() - interval '1 hour'"
        )
        sent = cursor.fetchone()[0]
    lag = (timezone.now() - oldest).total_seconds() if oldest else None
    return Status(pending, schemas_pending, lag, sent, DeadLetter.objects.filter(replayed_at__isnull=True).count())


def purge(keep_days=None, chunk=100):
    """Deletes what the relay and the consumers no longer need: events sent more than
    EVENTS_KEEP_DAYS ago (but those a waiting dead letter will replay), the receipts of deleted
    events, and the relay's minute counts after a week. Returns (events, receipts) deleted."""
    keep_days = settings.EVENTS_KEEP_DAYS if keep_days is None else keep_days
    events = receipts = 0
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        schemas = ["public"] + [schema for schema in outbox_schemas(cursor) if schema != "public"]
        for start in range(0, len(schemas), chunk):
            for schema in schemas[start : start + chunk]:
                cursor.execute(
                    f"WITH gone AS (DELETE FROM {quote(schema)}.events_event e "
                    "WHERE e.sent_at < now() - make_interval(days => %s) AND NOT EXISTS ("
                    "SELECT 1 FROM public.events_deadletter d WHERE d.event_id = e.id AND d.replayed_at IS NULL) "
                    "RETURNING e.id), "
                    f"receipts AS (DELETE FROM {quote(schema)}.events_processedevent r USING gone "
                    "WHERE r.event_id = gone.id RETURNING 1) "
                    "SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM receipts)",
                    [keep_days],
                )
                gone, receipts_gone = cursor.fetchone()
                events += gone
                receipts += receipts_gone
        cursor.execute("DELETE FROM public.events_relayedminute WHERE minute < now() - interval '7 days'")
    return events, receipts


def waiting_dead_letters():
    return DeadLetter.objects.filter(replayed_at__isnull=True).order_by("created_at")


def replay(dead_letters):
    """Sends each dead letter's event to its consumer again (a fresh round of tries); returns how
    many went. A consumer that fails again puts the letter back with the new error."""
    from .tasks import dispatch

    count = 0
    for letter in dead_letters:
        with transaction.atomic():
            letter = DeadLetter.objects.select_for_update().get(pk=letter.pk)
            if letter.replayed_at is not None:
                continue
            letter.replayed_at = timezone.now()
            letter.save(update_fields=["replayed_at"])
            # Sent after commit: a replay that rolled back sends nothing, and a broker outage here
            # leaves the letter waiting (the error reaches the operator who asked).
            dispatch.apply_async(
                ([[letter.schema_name, [str(letter.event_id)]]], [letter.consumer], 1),
                headers={"_schema_name": "public"},
            )
        count += 1
    return count
