"""The municipality's service catalogue. A service is template data the municipality may adjust
(fees, texts, deadlines) where the template does not lock it."""

from functools import cached_property

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import TranslatedNameMixin


class Service(TranslatedNameMixin, models.Model):
    class TermKind(models.TextChoices):
        WORKING = "working", _("working days")
        CALENDAR = "calendar", _("calendar days")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    classifier = models.CharField(_("national classifier code"), max_length=30)
    name_hy = models.CharField(_("name (Armenian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    description_hy = models.TextField(_("description (Armenian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    applicants_hy = models.TextField(_("who may apply (Armenian)"), blank=True)
    applicants_en = models.TextField(_("who may apply (English)"), blank=True)
    applicants_ru = models.TextField(_("who may apply (Russian)"), blank=True)
    fee_amd = models.PositiveIntegerField(_("fee (AMD)"), default=0)
    term_days = models.PositiveSmallIntegerField(_("processing time (days)"))
    term_kind = models.CharField(_("counted in"), max_length=10, choices=TermKind.choices, default=TermKind.WORKING)
    online = models.BooleanField(_("can be applied for online"), default=True)
    at_window = models.BooleanField(_("can be applied for at the window"), default=True)
    department = models.ForeignKey(
        "municipal_profile.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("responsible department"),
    )
    # Template data: [{name: {hy,en,ru}, mandatory: bool}], register-style field specs, the
    # workflow {states, transitions, initial}, the output document and the prefill rule.
    documents = models.JSONField(default=list)
    form = models.JSONField(default=list)
    workflow = models.JSONField(default=dict)
    output = models.JSONField(default=dict)
    prefill = models.JSONField(default=dict)
    # {register, when: "granted"/"refused", fields: {register field: "{form field}" or text}}:
    # the decision writes a record, in the same transaction (an issued permit enters a register).
    record = models.JSONField(default=dict)
    # Attributes the municipality may not change (the template says which).
    locked = models.JSONField(default=list)
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    @property
    def description(self):
        return self.in_language("description")

    @property
    def applicants(self):
        return self.in_language("applicants")

    @cached_property
    def form_fields(self):
        from tenants.registers.fields import make_field

        return {spec["code"]: make_field(spec) for spec in self.form}

    @cached_property
    def states(self):
        return {state["code"]: state for state in self.workflow["states"]}

    def state_name(self, code):
        names = self.states.get(code, {}).get("name", {})
        lang = (translation.get_language() or "hy")[:2]
        return names.get(lang) or names.get("hy") or code

    def transition(self, code):
        return next((t for t in self.workflow["transitions"] if t["code"] == code), None)
