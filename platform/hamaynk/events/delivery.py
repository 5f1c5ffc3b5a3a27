"""Running consumers on events: once per (consumer, event), retried with backoff, then
dead-lettered. Called by the dispatch task in the event's schema."""

import contextlib
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


@contextlib.contextmanager
def flushed_once():
    """Every delivery inside commits without waiting for the disk, and the block ends with one
    commit that does: PostgreSQL flushes its log in order, so that one flush makes every
    earlier commit durable too. A task's hundreds of receipts cost one disk write instead of one
    each (with a busy disk, 4-5 ms each: the worker's ceiling was about 100 events a second).

    Nothing is lost by it. The task is acknowledged to the broker only after the block (the
    dispatch task is `acks_late`); if PostgreSQL crashed before the flush, the receipts and the
    consumers' own rows since the last flush are gone together, and the unacknowledged task runs
    again. Visibility is unchanged: other sessions see each commit at once."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    completed = False
    try:
        yield
        completed = True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO DEFAULT")
            if completed:
                # A transaction that takes a transaction id writes a commit record, and a
                # synchronous commit waits until the log is on disk up to it.
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SELECT pg_current_xact_id()")
        except (OperationalError, InterfaceError):
            if completed:
                raise
            # the block failed on the database already: its error is the one to see


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
