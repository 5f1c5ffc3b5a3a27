"""The worker's side: the relay sends one `dispatch` task per batch of a schema's events (with
publisher confirms), and the worker runs every interested consumer on each of them."""

import structlog
from celery import shared_task
from django.conf import settings
from django.db import connection

from . import delivery, registry
from .models import Event

log = structlog.get_logger(__name__)


@shared_task(name="hamaynk.events.dispatch", acks_late=True)
def dispatch(event_ids, consumers=None, attempt=1):
    """Runs the consumers (all interested ones, or those named) on the events, in their order.

    A consumer that fails on an event is tried again on that event alone after a backoff, up to
    EVENTS_CONSUMER_MAX_ATTEMPTS times, then the event goes to its dead letters."""
    failures = []
    for event in Event.objects.filter(id__in=event_ids).order_by("seq"):
        for consumer in registry.interested(event, consumers):
            try:
                delivery.deliver(event, consumer)
            except Exception as exc:
                if delivery.is_database_outage(exc):
                    raise
                failures.append((event, consumer, exc))
    for event, consumer, exc in failures:
        error = delivery.failure_text(exc)
        log.warning(
            "events.consumer_failed", consumer=consumer.name, event_id=str(event.id), attempt=attempt, error=str(exc)
        )
        if attempt >= settings.EVENTS_CONSUMER_MAX_ATTEMPTS:
            delivery.dead_letter(event, consumer, attempt, error)
        else:
            dispatch.apply_async(
                ([str(event.id)], [consumer.name], attempt + 1),
                countdown=delivery.backoff(attempt),
                headers={"_schema_name": connection.schema_name},
            )
