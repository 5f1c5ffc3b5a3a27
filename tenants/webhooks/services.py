"""Changing subscriptions, each change with its audit entry (in the schema the subscription is
in: the municipality's own trail, or the ministry's)."""

from django.db import connection, transaction
from django.utils import timezone

from tenants.audit.models import Entry
from tenants.audit.recorder import record

from . import deliveries, signing
from .models import Delivery, Subscription

FIELDS = ("name", "url", "event_types", "region")


def _label(subscription):
    return f"{subscription.name} · {subscription.url}"


def create(values, user=None):
    """Returns (subscription, secret): the secret is shown to the person this once."""
    with transaction.atomic():
        subscription = Subscription.objects.create(secret=signing.new_secret(), created_by=user, **values)
        record(
            subscription,
            Entry.Action.CREATE,
            {name: {"old": None, "new": getattr(subscription, name)} for name in FIELDS if getattr(subscription, name)},
            label=_label(subscription),
        )
    return subscription, subscription.secret


def update(subscription, values):
    with transaction.atomic():
        changes = {}
        for name in FIELDS:
            if name in values and values[name] != getattr(subscription, name):
                changes[name] = {"old": getattr(subscription, name), "new": values[name]}
                setattr(subscription, name, values[name])
        if changes:
            subscription.save(update_fields=list(changes))
            record(subscription, Entry.Action.UPDATE, changes, label=_label(subscription))
    return bool(changes)


def new_secret(subscription):
    """Replaces the secret at once (deliveries from now on are signed with the new one)."""
    with transaction.atomic():
        subscription.secret = signing.new_secret()
        subscription.save(update_fields=["secret"])
        record(subscription, Entry.Action.ISSUE, {"secret": {"old": None, "new": "…"}}, label=_label(subscription))
    return subscription.secret


def pause(subscription, reason="", user=None):
    """No deliveries are made for a paused subscription; those waiting are held until it resumes."""
    if subscription.paused_at is not None:
        return False
    with transaction.atomic():
        subscription.paused_at = timezone.now()
        subscription.pause_reason = str(reason)[:200]
        subscription.save(update_fields=["paused_at", "pause_reason"])
        record(
            subscription,
            Entry.Action.SUSPEND,
            {"pause_reason": {"old": None, "new": subscription.pause_reason}} if reason else {},
            label=_label(subscription),
        )
    return True


def resume(subscription):
    """Held deliveries go out now, each with a new retry window."""
    if subscription.paused_at is None:
        return False
    now = timezone.now()
    with transaction.atomic():
        subscription.paused_at = None
        subscription.pause_reason = ""
        subscription.save(update_fields=["paused_at", "pause_reason"])
        held = Delivery.objects.filter(subscription=subscription, status=Delivery.Status.PENDING)
        if held.update(next_attempt_at=now, give_up_at=now + deliveries.retry_window()):
            deliveries.mark_due(connection.schema_name, now)
            schema = connection.schema_name
            transaction.on_commit(lambda: deliveries.kick(schema))
        record(subscription, Entry.Action.RESUME, label=_label(subscription))
    return True


def delete(subscription):
    with transaction.atomic():
        record(subscription, Entry.Action.DELETE, label=_label(subscription))
        subscription.delete()
