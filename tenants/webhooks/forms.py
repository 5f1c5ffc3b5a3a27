from django import forms
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import Region

from . import catalogue, urlsafety


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Which system receives the events."))
    url = forms.CharField(
        label=_("Address"), max_length=500, help_text=_("An https address that accepts POST requests.")
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event to send.")},
    )

    def __init__(self, *args, ministry=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = catalogue.choices(ministry=ministry)
        if ministry:
            self.fields["region"] = forms.ChoiceField(
                label=_("Municipalities"),
                required=False,
                choices=[("", _("All municipalities"))] + [(r.code, r.name) for r in Region.objects.all()],
            )

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        try:
            urlsafety.check(url)
        except urlsafety.UnsafeAddress as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url
