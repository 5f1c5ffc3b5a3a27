"""Registers and their records. A record's fields live in one JSONB document; what the
database must enforce or find fast lives beside it (unique values, search vector, history).
See docs/registers.md for the choice and its measured trade-off."""

import uuid
from functools import cached_property

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import TranslatedNameMixin

from .fields import make_field


class Register(TranslatedNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    version = models.CharField(_("version"), max_length=20, default="1")
    name_hy = models.CharField(_("name (Armenian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    is_public = models.BooleanField(_("public"), default=False)
    # A boolean field that must be true for a record to be public ("" = every record).
    public_when = models.CharField(max_length=50, blank=True)
    # The field definitions, as the template gave them (see docs/templates.md).
    fields = models.JSONField(default=list)
    # Fields shown as columns in lists, and the one that names a record.
    list_fields = models.JSONField(default=list)
    title_fields = models.JSONField(default=list)
    # Roles that must give a reason before they read a record with personal data.
    reason_required_roles = models.JSONField(default=list)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("register")
        verbose_name_plural = _("registers")

    @cached_property
    def field_types(self):
        return {spec["code"]: make_field(spec) for spec in self.fields}

    @property
    def has_personal_data(self):
        return any(f.personal for f in self.field_types.values())

    def record_title(self, data):
        parts = [self.field_types[c].display(data.get(c)) for c in self.title_fields if data.get(c) is not None]
        return " ".join(p for p in parts if p) or "—"


class Record(models.Model):
    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="records")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    data = models.JSONField(default=dict)
    # Case-folded text of the searchable fields, written by the services; the search vector is
    # generated from it by the database.
    search_text = models.TextField(default="", editable=False)
    search = models.GeneratedField(
        expression=RawSQL("to_tsvector('simple'::regconfig, search_text)", []),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            GinIndex(fields=["search"], name="record_search"),
            GinIndex(fields=["data"], name="record_data", opclasses=["jsonb_path_ops"]),
            models.Index(fields=["register", "-updated_at"], name="record_register_recent"),
        ]

    @property
    def title(self):
        return self.register.record_title(self.data)


class UniqueValue(models.Model):
    """One row per value of a `unique` field: the database refuses a duplicate even when two
    imports run at once."""

    register = models.ForeignKey(Register, on_delete=models.CASCADE)
    field = models.CharField(max_length=50)
    value = models.CharField(max_length=400)
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="unique_values")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["register", "field", "value"], name="unique_register_value")]


class RecordChange(models.Model):
    """Append-only history: who changed which field of which record, from what to what."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        IMPORT = "import", _("imported")

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who, when it was not a signed-in person: an API client ("INSTANCE/CLASS/MEMBER/SUBSYSTEM").
    actor = models.CharField(max_length=300, blank=True)
    # {field: [old, new]}
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]


class RegisterPermission(models.Model):
    register = models.ForeignKey(Register, on_delete=models.CASCADE, related_name="permissions")
    role = models.ForeignKey("accounts.Role", on_delete=models.CASCADE, related_name="register_permissions")
    can_view = models.BooleanField(default=False)
    can_edit = models.BooleanField(default=False)
    can_import = models.BooleanField(default=False)
    can_export = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["register", "role"], name="one_permission_row_per_role")]


class PersonalDataAccess(models.Model):
    """Every read of a record, or of an application, holding a personal identifier. A register
    read names the record and its register; an application read names the case (the cases
    module logs them here, so one log answers "who read this person's data")."""

    class Channel(models.TextChoices):
        STAFF = "staff", _("staff area")
        API = "api", _("API")
        EXPORT = "export", _("export")

    record = models.ForeignKey(Record, null=True, on_delete=models.SET_NULL, related_name="+")
    register_code = models.CharField(max_length=50, blank=True)
    # An application's id and number (YYYY/NNNNN); kept without a foreign key so that the
    # registers need not know the cases module.
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    case_number = models.CharField(max_length=20, blank=True)
    # What was read of an application: "page", "receipt" or "file:<file name>".
    what = models.CharField(max_length=200, blank=True)
    # The identifiers the record held when it was read: a person finds their own reads by them.
    person_ids = models.JSONField(default=list)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [GinIndex(fields=["person_ids"], name="access_person_ids")]

    @property
    def what_display(self):
        kind, _sep, name = self.what.partition(":")
        label = {"page": _("application page"), "receipt": _("receipt"), "file": _("file")}.get(kind, kind)
        return f"{label}: {name}" if name else label


class ApiKey(models.Model):
    """A municipality's key for its own API. Only a hash is stored; the key is shown once."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    hashed = models.CharField(max_length=128)
    can_write = models.BooleanField(_("may change records"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
