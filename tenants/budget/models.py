"""The community budget: the classification categories the template gives, and per year and
category what the council planned and what was executed, in whole drams."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import TranslatedNameMixin


class Category(TranslatedNameMixin, models.Model):
    """A line of the budget classification: a revenue source or a functional expenditure group."""

    class Direction(models.TextChoices):
        REVENUE = "revenue", _("revenue")
        EXPENDITURE = "expenditure", _("expenditure")

    code = models.CharField(_("code"), max_length=16, unique=True)
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    name_hy = models.CharField(_("name (Armenian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("budget category")
        verbose_name_plural = _("budget categories")


class Line(models.Model):
    """Planned against executed for one category in one year. Amounts are whole drams: the dram
    has no minor unit in practice."""

    year = models.PositiveSmallIntegerField(_("year"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="lines", verbose_name=_("category"))
    planned = models.BigIntegerField(_("planned (AMD)"))
    executed = models.BigIntegerField(_("executed (AMD)"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(fields=["year", "category"], name="one_budget_line_per_year_and_category"),
            models.CheckConstraint(condition=Q(planned__gte=0, executed__gte=0), name="budget_amounts_not_negative"),
        ]


class Import(models.Model):
    """Who replaced which years with which file, and when: imports overwrite figures, so the
    trail is what tells where the published numbers came from."""

    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("imported by")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    years = models.JSONField(_("years replaced"), default=list)
    rows = models.PositiveIntegerField(_("rows"))

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("budget import")
        verbose_name_plural = _("budget imports")
