"""Audit entries: who changed what, when, from where. Written once, never changed.

Each schema has its own table: a municipality's changes stay in its schema, the ministry's in
the public one. The actor and the object are kept as ids and readable labels, not foreign keys,
so an entry outlives the user or object it names and never blocks their deletion.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import context


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM (the database
    refuses it too, see the migration's trigger)."""


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted")

    def _raw_delete(self, using):
        raise AppendOnlyError("audit entries cannot be deleted")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")


class Entry(models.Model):
    class ActorKind(models.TextChoices):
        USER = context.USER, _("person")
        SYSTEM = context.SYSTEM, pgettext_lazy("audit actor", "system")
        COMMAND = context.COMMAND, _("command line")
        ANONYMOUS = context.ANONYMOUS, _("not signed in")

    class Action(models.TextChoices):
        CREATE = "create", pgettext_lazy("audit action", "created")
        UPDATE = "update", pgettext_lazy("audit action", "changed")
        DELETE = "delete", pgettext_lazy("audit action", "deleted")
        INVITE = "invite", pgettext_lazy("audit action", "invited")
        DEACTIVATE = "deactivate", pgettext_lazy("audit action", "access taken away")
        REACTIVATE = "reactivate", pgettext_lazy("audit action", "access given back")
        PASSWORD_SET = "password_set", pgettext_lazy("audit action", "password set")
        PASSWORD_REMOVED = "password_removed", pgettext_lazy("audit action", "password removed")
        ROLES = "roles", pgettext_lazy("audit action", "roles changed")
        PERMISSIONS = "permissions", pgettext_lazy("audit action", "permissions changed")
        ISSUE = "issue", pgettext_lazy("audit action", "issued")
        REVOKE = "revoke", pgettext_lazy("audit action", "revoked")
        ONBOARD = "onboard", pgettext_lazy("audit action", "onboarded")
        ACTIVATE = "activate", pgettext_lazy("audit action", "activated")
        SUSPEND = "suspend", pgettext_lazy("audit action", "suspended")
        RESUME = "resume", pgettext_lazy("audit action", "reactivated")
        ARCHIVE = "archive", pgettext_lazy("audit action", "archived")
        RETRY = "retry", pgettext_lazy("audit action", "provisioning restarted")
        DOMAIN_ADDED = "domain_added", pgettext_lazy("audit action", "domain added")
        DOMAIN_REMOVED = "domain_removed", pgettext_lazy("audit action", "domain removed")
        TWO_FACTOR_ENROLLED = "2fa_enrolled", pgettext_lazy("audit action", "second factor set up")
        BACKUP_CODES = "2fa_backup_codes", pgettext_lazy("audit action", "new backup codes")
        TWO_FACTOR_RESET = "2fa_reset", pgettext_lazy("audit action", "second factor reset")

    at = models.DateTimeField(_("when"), db_index=True)
    actor_kind = models.CharField(_("who"), max_length=16)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    object_type = models.CharField(_("kind of object"), max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    # Action and ActorKind give the labels; no choices on the columns, so a new action needs no
    # migration.
    action = models.CharField(_("action"), max_length=32)
    # {field: {"old": value, "new": value}} for fields, {field: {"added": [...], "removed": [...]}}
    # for many-to-many relations. Never a password, key or secret: see tracking.py.
    changes = models.JSONField(default=dict, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["actor_kind", "actor_id"], name="audit_entry_actor"),
            models.Index(fields=["object_type", "object_id"], name="audit_entry_object"),
        ]

    def save(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are written by tenants.audit.recorder.record only")

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")
