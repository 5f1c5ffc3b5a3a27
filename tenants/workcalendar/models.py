"""The municipality's calendar settings and its own days. National public holidays are not
stored: they come from the `holidays` package (national.py) for the settings' country; what is
stored here is what the municipality changes on top of them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import TranslatedNameMixin


class CalendarSettings(models.Model):
    singleton = models.BooleanField(default=True, editable=False)
    # ISO weekdays (1 = Monday) that are never working days.
    weekend = models.JSONField(default=list)
    # ISO 3166 code of the country whose national holidays apply.
    country = models.CharField(max_length=2, default="AM")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["singleton"], name="one_calendar_per_municipality")]


class Holiday(TranslatedNameMixin, models.Model):
    """A day of the municipality's own: an extra day off (a local holiday), or a working day —
    a national holiday the municipality works, or a weekend day made a working day. It overrides
    the national calendar on its date; `every_year` repeats it on the same day of every later year
    (a dated entry of a later year overrides that repetition)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        REMEMBRANCE = "remembrance", _("day of remembrance")
        WORKING_DAY = "working_day", _("working day")

    date = models.DateField(_("date"), unique=True)
    every_year = models.BooleanField(_("every year"), default=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.HOLIDAY)
    name_hy = models.CharField(_("name (Armenian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    @property
    def names(self):
        return {"hy": self.name_hy, "en": self.name_en, "ru": self.name_ru}
