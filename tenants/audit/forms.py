"""The audit page's filters: person, date range, kind of object."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import context
from .display import kind_label, person_label
from .models import Entry
from .recorder import object_type
from .tracking import watched_models

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
# Dates outside these cannot hold an entry and would overflow the time-zone arithmetic.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(9998, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


def person_choices():
    """The people (and the system, the command line) that appear in this schema's entries."""
    rows = Entry.objects.order_by().values_list("actor_kind", "actor_id", "actor_label").distinct()
    choices = {}
    for kind, actor_id, label in rows:
        value = f"{kind}:{actor_id}" if kind == context.USER else kind
        choices.setdefault(value, person_label(kind, label))
    return sorted(choices.items(), key=lambda choice: (not choice[0].startswith("user:"), str(choice[1]).lower()))


def kind_choices():
    """Kinds of object recorded in this schema: the public schema holds the platform's models
    and the ministry's users, a municipality's schema its own."""
    public = connection.schema_name == "public"
    apps = settings.SHARED_APPS if public else settings.TENANT_APPS
    return [
        (object_type(model), kind_label(object_type(model)))
        for model, _spec in watched_models()
        if model._meta.app_config.name in apps
    ]


class AuditFilterForm(forms.Form):
    person = forms.ChoiceField(label=_("Who"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, input_formats=DATE_FORMATS, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, input_formats=DATE_FORMATS, widget=DateInput)
    kind = forms.ChoiceField(label=_("Kind of object"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("anyone"))] + person_choices()
        self.fields["kind"].choices = [("", _("any"))] + kind_choices()
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = _("Enter a real date, for example 31.12.2026.")

    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(
                    name,
                    _("Enter a date between %(first)s and %(last)s.")
                    % {"first": FIRST_DAY.strftime("%d.%m.%Y"), "last": LAST_DAY.strftime("%d.%m.%Y")},
                )
                cleaned[name] = None
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filter(self, entries):
        data = self.cleaned_data
        person = data.get("person")
        if person:
            kind, _sep, actor_id = person.partition(":")
            entries = entries.filter(actor_kind=kind)
            if actor_id:
                entries = entries.filter(actor_id=int(actor_id))
        if data.get("date_from"):
            entries = entries.filter(at__gte=_day_start(data["date_from"]))
        if data.get("date_to"):
            entries = entries.filter(at__lt=_day_start(data["date_to"] + timedelta(days=1)))
        if data.get("kind"):
            entries = entries.filter(object_type=data["kind"])
        return entries


def _day_start(day):
    """Midnight in the platform's time zone (Yerevan), where people read the dates."""
    return timezone.make_aware(datetime.combine(day, time.min))
