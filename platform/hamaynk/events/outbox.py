"""Writing events: inside the caller's transaction, so an event exists exactly when its change
does. Nothing here talks to the network: the cost is one INSERT in the caller's schema, one
no-op upsert in the public index of schemas with pending events and a NOTIFY that PostgreSQL
delivers only on commit (a rolled-back change wakes nobody)."""

import uuid

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from .models import Event

CHANNEL = "hamaynk_events"

# Sent once an event (or a batch of them) is written, still inside the caller's transaction, with
# `municipality_uuid` (None for the platform's own): what shows the data (the page cache) learns
# of a change that may have sent no model signal (bulk writes, COPY).
recorded = Signal()


def _aggregate(aggregate):
    """(type, id) of a model instance ('cases.case', '42') or of an explicit pair."""
    if isinstance(aggregate, tuple):
        kind, ident = aggregate
        return str(kind), str(ident)
    meta = aggregate._meta
    return f"{meta.app_label}.{meta.model_name}", str(aggregate.pk)


_identities = {}


def _municipality(municipality):
    """(uuid, slug) of the given municipality or of the current schema's (schema_context gives
    a bare tenant without them: looked up once per schema and process, they never change)."""
    tenant = municipality if municipality is not None else getattr(connection, "tenant", None)
    if getattr(tenant, "uuid", None) is not None:
        return tenant.uuid, tenant.slug
    schema = connection.schema_name
    if municipality is None and schema != get_public_schema_name():
        if schema not in _identities:
            from hamaynk.tenancy.models import Municipality

            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT uuid, slug FROM public.{Municipality._meta.db_table} WHERE schema_name = %s", [schema]
                )
                row = cursor.fetchone()
            if row is None:
                return None, ""
            _identities[schema] = row
        return _identities[schema]
    return None, ""


def record(type, aggregate, payload=None, *, version=1, municipality=None):
    """Writes one event in the current schema's outbox, in the current transaction.

    `aggregate` is a model instance or a (type, id) pair; `municipality` defaults to the
    schema's own (pass it for platform events about a municipality, written in the public
    schema). The payload carries identifiers and facts, never applicant contact details:
    consumers entitled to those read them from the municipality's schema."""
    kind, ident = _aggregate(aggregate)
    municipality_uuid, slug = _municipality(municipality)
    with transaction.atomic():
        event = Event.objects.create(
            id=uuid.uuid4(),
            type=type,
            version=version,
            municipality_uuid=municipality_uuid,
            municipality_slug=slug,
            aggregate_type=kind,
            aggregate_id=ident,
            occurred_at=timezone.now(),
            payload=payload or {},
        )
        _announce()
        recorded.send(sender=Event, municipality_uuid=municipality_uuid, type=type)
    return event


def record_many(type, items, *, version=1):
    """Many events of one type in one COPY (a register import of thousands of rows).
    `items`: (aggregate, payload) pairs. Returns how many were written."""
    import json

    municipality_uuid, slug = _municipality(None)
    now = timezone.now()
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        columns = "id, type, version, municipality_uuid, municipality_slug, aggregate_type, aggregate_id, "
        columns += "occurred_at, payload"
        with cursor.copy(f"COPY events_event ({columns}) FROM STDIN") as copy:
            for aggregate, payload in items:
                kind, ident = _aggregate(aggregate)
                copy.write_row(
                    [uuid.uuid4(), type, version, municipality_uuid, slug, kind, ident, now, json.dumps(payload)]
                )
                count += 1
        if count:
            _announce()
            recorded.send(sender=Event, municipality_uuid=municipality_uuid, type=type)
    return count


def _announce():
    """Marks the schema as having pending events and wakes the relay when the transaction commits."""
    schema = connection.schema_name
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.events_pendingschema (schema_name, since) VALUES (%s, now()) "
            "ON CONFLICT (schema_name) DO NOTHING",
            [schema],
        )
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, schema])
