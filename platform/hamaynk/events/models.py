"""The outbox and what consumers keep, in every schema (the public one for platform events).

Event and ProcessedEvent live beside the data they describe, so an event is written in the
transaction of its change and a consumer's effect in the transaction of its marker.
PendingSchema, RelayedMinute and DeadLetter are read in the public schema only (their tables exist, empty, in
each municipality's schema because the app is in both app lists)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """A domain event waiting for the relay (sent_at is null) or relayed."""

    # The order the relay keeps: per schema, hence per aggregate.
    seq = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField(default=1)
    municipality_uuid = models.UUIDField(null=True)
    municipality_slug = models.CharField(max_length=40, blank=True)
    aggregate_type = models.CharField(max_length=100)
    aggregate_id = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["seq"], name="events_unsent", condition=models.Q(sent_at__isnull=True)),
            models.Index(fields=["aggregate_type", "aggregate_id", "seq"], name="events_aggregate"),
        ]

    def __str__(self):
        return f"{self.type} {self.id}"


class ProcessedEvent(models.Model):
    """A consumer's receipt: the same event delivered again has no second effect."""

    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consumer", "event_id"], name="events_processed_once")]


class PendingSchema(models.Model):
    """Public schema: the schemas that have unsent events, so the relay never scans them all."""

    schema_name = models.CharField(max_length=63, unique=True)
    since = models.DateTimeField(auto_now_add=True)


class RelayedMinute(models.Model):
    """Public schema: how many events the relay sent in each minute, counted as it marks them, so
    "sent in the last hour" never scans the outboxes."""

    minute = models.DateTimeField(unique=True)
    sent = models.PositiveIntegerField(default=0)


class DeadLetter(models.Model):
    """Public schema: an event a consumer kept failing on, with the last error, until replayed."""

    schema_name = models.CharField(max_length=63)
    municipality_slug = models.CharField(_("municipality"), max_length=40, blank=True)
    consumer = models.CharField(_("consumer"), max_length=100)
    event_id = models.UUIDField()
    event_type = models.CharField(_("event"), max_length=100)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"))
    created_at = models.DateTimeField(_("dead since"), auto_now_add=True)
    replayed_at = models.DateTimeField(_("replayed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["consumer", "event_id"], name="events_dead_once")]
