"""The worker's side: the relay sends one `dispatch` task per pass over the schemas with pending
events (with publisher confirms), naming each schema's events; the worker runs every
interested consumer on each event inside that event's municipality."""

import contextlib

import structlog
from celery import shared_task
from django.conf import settings
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from . import delivery, registry
from .models import Event

log = structlog.get_logger(__name__)


@contextlib.contextmanager
def inside(schema):
    """The schema's municipality as the current tenant (consumers read its name and addresses),
    or the public schema for platform events."""
    if schema == get_public_schema_name():
        with schema_context(schema):
            yield
        return
    from hamaynk.tenancy.models import Municipality

    with tenant_context(Municipality.objects.get(schema_name=schema)):
        yield


@shared_task(name="hamaynk.events.dispatch", acks_late=True)
def dispatch(groups, consumers=None, attempt=1):
    """Runs the consumers (all interested ones, or those named) on each group's events, in
    their order; `groups`: [[schema, [event id, …]], …].

    A consumer that fails on an event is tried again on that event alone after a backoff, up to
    EVENTS_CONSUMER_MAX_ATTEMPTS times, then the event goes to its dead letters."""
    with delivery.flushed_once():
        for schema, event_ids in groups:
            with inside(schema):
                _run(schema, event_ids, consumers, attempt)


def _run(schema, event_ids, consumers, attempt):
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
                ([[schema, [str(event.id)]]], [consumer.name], attempt + 1),
                countdown=delivery.backoff(attempt),
                headers={"_schema_name": get_public_schema_name()},
            )


@shared_task(name="hamaynk.events.purge")
def purge():
    """Daily: sent events past EVENTS_KEEP_DAYS and their receipts (hamaynk.events.operations)."""
    from .operations import purge as purge_sent

    events, receipts = purge_sent()
    log.info("events.purged", events=events, receipts=receipts)
    return events, receipts
