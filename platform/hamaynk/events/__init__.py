"""Domain events: a transactional outbox in every schema, relayed by `hamaynk relay` to a
RabbitMQ topic exchange and to the internal consumers (docs/events.md).

    from hamaynk import events
    events.record("case.submitted", case, {"case_id": case.pk, ...})
"""


def record(type, aggregate, payload=None, *, version=1, municipality=None):
    """See hamaynk.events.outbox.record: one event, in the caller's transaction."""
    from .outbox import record as _record

    return _record(type, aggregate, payload, version=version, municipality=municipality)


def record_many(type, items, *, version=1):
    """See hamaynk.events.outbox.record_many: many events of one type, in one COPY."""
    from .outbox import record_many as _record_many

    return _record_many(type, items, version=version)
