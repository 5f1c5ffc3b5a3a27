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


def _outbox_schemas(cursor):
    cursor.execute(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = 'events_event' AND c.relkind = 'r' AND n.nspname <> %s ORDER BY 1",
        [settings.GOLDEN_SCHEMA_NAME],
    )
    return [row[0] for row in cursor.fetchall()]


def status(chunk=200):
    """Pending and recently sent events over every schema (one query per 200 schemas)."""
    pending = schemas_pending = sent = 0
    oldest = None
    with connection.cursor() as cursor:
        schemas = _outbox_schemas(cursor)
        for start in range(0, len(schemas), chunk):
            part = schemas[start : start + chunk]
            cursor.execute(
                " UNION ALL ".join(
                    "SELECT count(*) FILTER (WHERE sent_at IS NULL), min(occurred_at) FILTER (WHERE sent_at IS NULL), "
                    "count(*) FILTER (WHERE sent_at > now() - interval '1 hour') "
                    f"FROM {connection.ops.quote_name(schema)}.events_event"
                    for schema in part
                )
            )
            for unsent, first, recent in cursor.fetchall():
                pending += unsent
                schemas_pending += bool(unsent)
                sent += recent
                if first is not None and (oldest is None or first < oldest):
                    oldest = first
    lag = (timezone.now() - oldest).total_seconds() if oldest else None
    return Status(pending, schemas_pending, lag, sent, DeadLetter.objects.filter(replayed_at__isnull=True).count())


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
