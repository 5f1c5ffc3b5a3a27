"""Applications (cases) to the Citizen Service Office and their append-only history."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseCounter(models.Model):
    """The last registration number given in a year. Taken under a row lock in the same
    transaction as the case, so numbers have no gaps and no duplicates."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Case(models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        WINDOW = "window", _("at the window")

    class Decision(models.TextChoices):
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    service = models.ForeignKey("catalogue.Service", on_delete=models.PROTECT, related_name="cases")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    tracking_code = models.CharField(max_length=20, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    applicant_name = models.CharField(_("applicant"), max_length=200)
    applicant_email = models.EmailField(_("email"), blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=30, blank=True)
    applicant_language = models.CharField(max_length=2, default="hy")
    data = models.JSONField(default=dict)
    state = models.CharField(max_length=50)
    department = models.ForeignKey("municipal_profile.Department", null=True, blank=True, on_delete=models.SET_NULL)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )
    submitted_at = models.DateTimeField()
    due_date = models.DateField()
    paused_since = models.DateField(null=True, blank=True)
    paused_days = models.PositiveIntegerField(default=0)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Printed on the output document; the public verification page looks it up.
    verification_code = models.CharField(max_length=20, null=True, blank=True, unique=True)
    # Who signed the output document, as printed on it: the staff member's name and the role by
    # which they decided ({"hy": …, "en": …, "ru": …}), kept as they were on the day of issue.
    signatory_name = models.CharField(max_length=300, blank=True)
    signatory_position = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="one_number_per_year")]
        indexes = [
            models.Index(fields=["closed_at", "due_date"], name="case_open_by_due"),
            models.Index(fields=["assigned_to", "closed_at", "due_date"], name="case_mine_by_due"),
            models.Index(fields=["service", "submitted_at"], name="case_service_month"),
        ]

    @property
    def reg_number(self):
        return f"{self.year}/{self.number:05d}"

    @property
    def state_name(self):
        return self.service.state_name(self.state)

    @property
    def is_open(self):
        return self.closed_at is None


class CaseEvent(models.Model):
    """One thing that happened to a case. Never changed or deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_applicant = models.BooleanField(default=False)
    action = models.CharField(max_length=50)  # "submit", "assign", "comment" or a transition code
    from_state = models.CharField(max_length=50, blank=True)
    to_state = models.CharField(max_length=50, blank=True)
    comment = models.TextField(blank=True)
    # Shown on the public tracking page and sent to the applicant.
    public = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]


class CaseFile(models.Model):
    class Kind(models.TextChoices):
        APPLICATION = "application", _("application document")
        ANSWER = "answer", _("document added later")
        OUTPUT = "output", _("output document")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="files")
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    key = models.CharField(max_length=500)
    at = models.DateTimeField(auto_now_add=True)


class PendingApplication(models.Model):
    """An online application waiting for its applicant to prove the email address by the
    one-time link. It becomes a case (and gets its number) only then."""

    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE)
    token = models.CharField(max_length=64, unique=True)
    applicant_name = models.CharField(max_length=200)
    applicant_email = models.EmailField()
    applicant_phone = models.CharField(max_length=30, blank=True)
    applicant_language = models.CharField(max_length=2, default="hy")
    data = models.JSONField(default=dict)
    files = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    case = models.OneToOneField(Case, null=True, blank=True, on_delete=models.SET_NULL)
