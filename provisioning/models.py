"""Provisioning state, kept in the public schema so a failed run can be seen and resumed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import Municipality


class GoldenSchema(models.Model):
    """The schema new municipalities are copied from, and the DDL that copies it."""

    name = models.CharField(max_length=63, unique=True)
    # Fingerprint of the tenant apps' migrations the golden schema was built with.
    migrations_digest = models.CharField(max_length=64)
    clone_sql = models.TextField()
    tables = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(auto_now=True)


class State(models.TextChoices):
    """The state of a run and of each of its steps."""

    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    FAILED = "failed", _("Failed")
    DONE = "done", _("Done")


class ProvisioningRun(models.Model):
    State = State

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="provisioning_runs")
    template_name = models.CharField(max_length=100)
    template_version = models.CharField(max_length=32, blank=True)
    # Everything the pipeline needs besides the template (names, settlements, contacts, admin).
    request = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The first administrator's one-time set-password link, shown to the ministry operator.
    admin_link = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ProvisioningStep(models.Model):
    State = State

    run = models.ForeignKey(ProvisioningRun, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="one_state_per_step")]
