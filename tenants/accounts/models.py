"""Roles of a municipality's staff. A role is a Django group with names in three languages."""

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import TranslatedNameMixin


class Role(TranslatedNameMixin, models.Model):
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="role")
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_hy = models.CharField(_("name (Armenian)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    name_ru = models.CharField(_("name (Russian)"), max_length=150)
    description_hy = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    description_ru = models.TextField(blank=True)
    # The role given to the first administrator; it may manage staff and roles.
    is_administrator = models.BooleanField(default=False)
    # Holders sign in with a second factor even when the role reads no personal data (the
    # template's `two_factor: true`); administrators and personal-data readers always do.
    two_factor = models.BooleanField(_("two-factor sign-in"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
