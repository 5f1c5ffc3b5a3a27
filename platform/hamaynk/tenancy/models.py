"""The municipality registry: the tenant model, its domains and the regions (marzer)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tenants.models import DomainMixin, TenantMixin


class TranslatedNameMixin:
    """Models with name_hy/name_en/name_ru: `name` follows the active language, Armenian first."""

    def in_language(self, field):
        """`<field>_<active language>`, falling back to the Armenian text."""
        lang = (translation.get_language() or "hy")[:2]
        return getattr(self, f"{field}_{lang}", "") or getattr(self, f"{field}_hy")

    def language_of(self, field):
        """The language in_language(field) is in: the active one when it has the text, else
        Armenian, so pages can mark an Armenian fallback as such (lang="hy")."""
        lang = (translation.get_language() or "hy")[:2]
        return lang if getattr(self, f"{field}_{lang}", "") else "hy"

    @property
    def name(self):
        return self.in_language("name")

    def __str__(self):
        return self.name


class Region(TranslatedNameMixin, models.Model):
    """A marz (or Yerevan): national reference data, loaded by a migration."""

    code = models.SlugField(max_length=32, unique=True)
    name_hy = models.CharField(_("name (Armenian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Municipality(TranslatedNameMixin, TenantMixin):
    """A hosted municipality (համայնք). Its identity everywhere outside the database is `uuid`."""

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", pgettext_lazy("municipality status", "Provisioning")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ARCHIVED = "archived", _("Archived")

    # Status changes an operator may make; only the provisioning pipeline activates a new one.
    TRANSITIONS = {
        Status.PROVISIONING: set(),
        Status.ACTIVE: {Status.SUSPENDED, Status.ARCHIVED},
        Status.SUSPENDED: {Status.ACTIVE, Status.ARCHIVED},
        Status.ARCHIVED: set(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("subdomain"), max_length=40, unique=True)
    name_hy = models.CharField(_("name (Armenian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROVISIONING, db_index=True
    )
    template_name = models.CharField(_("template"), max_length=100)
    template_version = models.CharField(_("template version"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    # The provisioning pipeline creates the schema itself, from the golden schema.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name_hy"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    @staticmethod
    def schema_name_for(municipality_uuid):
        """Schema names come from the immutable id, so a renamed slug never moves a schema."""
        return f"m_{municipality_uuid.hex}"

    @property
    def primary_host(self):
        return f"{self.slug}.{settings.PLATFORM_DOMAIN}"

    def site_url(self, path="/"):
        port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
        return f"{settings.PLATFORM_SCHEME}://{self.primary_host}{port}{path}"

    def can_become(self, status):
        return status in self.TRANSITIONS[self.Status(self.status)]


class Domain(DomainMixin):
    """A host name that reaches a municipality: its subdomain, or a domain of its own."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class StatisticsSnapshot(models.Model):
    """The latest figures each module reported for a municipality, gathered by a background job
    so that the ministry's pages never read one schema at a time."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="statistics")
    values = models.JSONField(default=dict)
    collected_at = models.DateTimeField(auto_now=True)
