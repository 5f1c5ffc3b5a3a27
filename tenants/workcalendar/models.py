"""Non-working days of the national calendar, as the template gave them to the municipality."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import TranslatedNameMixin


class CalendarSettings(models.Model):
    singleton = models.BooleanField(default=True, editable=False)
    # ISO weekdays (1 = Monday) that are never working days.
    weekend = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["singleton"], name="one_calendar_per_municipality")]


class Holiday(TranslatedNameMixin, models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        REMEMBRANCE = "remembrance", _("day of remembrance")
        # A weekend day declared a working day (when holidays are moved by government decision).
        WORKING_DAY = "working_day", _("working day moved to a weekend")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.HOLIDAY)
    name_hy = models.CharField(_("name (Armenian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
