"""Subscriptions, their deliveries and the log of every attempt.

The delivery row is the truth about an event still owed to a receiver: it is written in the
transaction that takes the event, and `next_attempt_at` says when a worker sends it next. Losing
a worker, the broker or a periodic run delays a delivery; it never drops one."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Subscription(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address"), max_length=500)
    event_types = ArrayField(models.CharField(max_length=100), verbose_name=_("events"))
    # Kept as given: the platform signs with it. Shown once, when it is made.
    secret = models.CharField(max_length=100, editable=False)
    # The ministry's subscriptions only: the region whose municipalities it follows ("" = all).
    region = models.CharField(_("region"), max_length=32, blank=True)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    pause_reason = models.CharField(_("why paused"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return f"{self.name} ({self.url})"

    @property
    def active(self):
        return self.paused_at is None


class Delivery(models.Model):
    """One event owed to one subscription."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery", "waiting")
        DELIVERED = "delivered", pgettext_lazy("webhook delivery", "delivered")
        DEAD = "dead", pgettext_lazy("webhook delivery", "given up")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(_("event"), max_length=100)
    municipality_slug = models.CharField(_("municipality"), max_length=40, blank=True)
    # The CloudEvent as sent, fixed when the delivery is made: every attempt sends the same body.
    body = models.TextField()
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Retried until then; a delivery sent again by hand gets a new window.
    give_up_at = models.DateTimeField()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhooks_delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhooks_delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]


class Attempt(models.Model):
    """One POST of a delivery, as the log on the subscription's page shows it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("when"))
    status_code = models.PositiveSmallIntegerField(_("response"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"))
    error = models.CharField(_("error"), max_length=500, blank=True)
    response_body = models.CharField(_("response"), max_length=2000, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]


class DueSchema(models.Model):
    """Public schema: the schemas with deliveries waiting and the earliest time one is due, so the
    periodic run looks into those schemas only, never into all of them."""

    schema_name = models.CharField(max_length=63, unique=True)
    next_due_at = models.DateTimeField(db_index=True)
