"""What a municipality says about itself: names, coat of arms, contacts, hours, settlements
and departments. Settlements are data inside the municipality, never tenants of their own."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import TranslatedNameMixin

WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


class MunicipalProfile(TranslatedNameMixin, models.Model):
    """One row per municipality schema (enforced by the `singleton` constraint)."""

    singleton = models.BooleanField(default=True, editable=False)
    name_hy = models.CharField(_("name (Armenian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    address_hy = models.CharField(_("address (Armenian)"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    address_ru = models.CharField(_("address (Russian)"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    coat_of_arms = models.FileField(_("coat of arms"), upload_to="profile/", blank=True)
    reception_hy = models.TextField(_("citizen reception (Armenian)"), blank=True)
    reception_en = models.TextField(_("citizen reception (English)"), blank=True)
    reception_ru = models.TextField(_("citizen reception (Russian)"), blank=True)

    class Meta:
        verbose_name = _("municipality profile")
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="one_profile_per_municipality"),
        ]

    @property
    def address(self):
        return self.in_language("address")

    @property
    def reception(self):
        return self.in_language("reception")


class WorkingHours(models.Model):
    """Opening hours of the Citizen Service Office, one row per weekday it is open."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS, unique=True)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    break_starts = models.TimeField(_("break starts"), null=True, blank=True)
    break_ends = models.TimeField(_("break ends"), null=True, blank=True)

    class Meta:
        ordering = ["weekday"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")),
                name="opens_before_closes",
                violation_error_message=_("Opening time must be before closing time."),
            ),
        ]


class Settlement(TranslatedNameMixin, models.Model):
    class Kind(models.TextChoices):
        TOWN = "town", _("town")
        VILLAGE = "village", _("village")

    name_hy = models.CharField(_("name (Armenian)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    name_ru = models.CharField(_("name (Russian)"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VILLAGE)
    is_centre = models.BooleanField(_("administrative centre"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-is_centre", "position", "name_hy"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [models.UniqueConstraint(fields=["name_hy"], name="unique_settlement_name")]


class Department(TranslatedNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_hy = models.CharField(_("name (Armenian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # The staff who work in the department: its unassigned applications are in their inbox.
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="departments", verbose_name=_("staff")
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
