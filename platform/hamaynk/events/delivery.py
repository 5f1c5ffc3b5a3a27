"""Running consumers on events: once per (consumer, event), retried with backoff, then
dead-lettered. Called by the dispatch task in the event's schema."""

import traceback

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from .models import DeadLetter


def deliver(event, consumer):
    """Runs `consumer` on `event` unless it already did. Returns False for a repeat.

    The receipt is inserted first, in the handler's transaction: a second delivery running at
    the same moment waits on the unique index and then finds the receipt."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO events_processedevent (consumer, event_id, processed_at) VALUES (%s, %s, now()) "
                "ON CONFLICT (consumer, event_id) DO NOTHING RETURNING id",
                [consumer.name, event.id],
            )
            if cursor.fetchone() is None:
                return False
        consumer.handle(event)
    return True


def backoff(attempt):
    """Seconds before try `attempt + 1`: 2, 4, 8 … up to EVENTS_RETRY_MAX_SECONDS."""
    return min(settings.EVENTS_RETRY_BASE_SECONDS * 2 ** (attempt - 1), settings.EVENTS_RETRY_MAX_SECONDS)


def failure_text(exc):
    """The error's last lines (with the traceback's end), short enough to show on a page."""
    return "".join(traceback.format_exception(exc))[-4000:]


def is_database_outage(exc):
    """The database going away is not the consumer's fault: the whole task goes back to the
    queue (the task base retries it) instead of counting against the consumer."""
    return isinstance(exc, (OperationalError, InterfaceError))


def dead_letter(event, consumer, attempts, error):
    schema = connection.schema_name
    with schema_context(get_public_schema_name()):
        DeadLetter.objects.update_or_create(
            consumer=consumer.name,
            event_id=event.id,
            defaults={
                "schema_name": schema,
                "municipality_slug": event.municipality_slug,
                "event_type": event.type,
                "attempts": attempts,
                "error": error,
                "replayed_at": None,
            },
        )
