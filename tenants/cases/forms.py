from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.registers.forms import form_field


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several documents at once; the view stores each after checking it by content."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class ApplicationForm(forms.Form):
    """The applicant's details and the service's own form; the field types check the values.

    Every check runs in one pass (clean()): an empty form gets all its messages at once, not
    the applicant's first and the service's fields after those are fixed."""

    applicant_name = forms.CharField(label=_("Applicant's full name"), max_length=200, required=False)
    applicant_email = forms.EmailField(label=_("Email"), required=False)
    applicant_phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, service, *args, email_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        self.fields["applicant_email"].required = email_required
        self.fields["applicant_name"].required_mark = True
        for code, field_type in service.form_fields.items():
            field = form_field(field_type)
            field.required_mark = field_type.required
            self.fields[code] = field
        self.fields["documents"] = MultipleFileField(label=_("Documents (PDF or scans)"), required=False)
        self.service_data = {}
        for field in self.fields.values():
            required = field.required or getattr(field, "required_mark", False)
            if required and not isinstance(field.widget, forms.MultiWidget):
                field.widget.attrs["aria-required"] = "true"

    def clean(self):
        """The service's field types and the applicant's name, checked with the rest: a field
        Django already refused keeps that one message."""
        from .workflow import clean_form

        cleaned = super().clean()
        raw = {code: cleaned.get(code) for code in self.service.form_fields if code not in self.errors}
        data, errors = clean_form(self.service, raw)
        if not (cleaned.get("applicant_name") or "").strip() and "applicant_name" not in self.errors:
            errors["applicant_name"] = [_("Enter the applicant's name.")]
        for code, messages in errors.items():
            if code in self.errors:
                continue
            for message in messages:
                self.add_error(code if code in self.fields else None, message)
        self.service_data = data
        return cleaned

    def form_values(self):
        return {code: self.cleaned_data.get(code) for code in self.service.form_fields}

    def applicant(self, language):
        return {
            "name": self.cleaned_data["applicant_name"] or "",
            "email": self.cleaned_data["applicant_email"] or "",
            "phone": self.cleaned_data["applicant_phone"] or "",
            "language": language,
        }

    def show_errors(self, errors):
        for code, messages in errors.items():
            for message in messages:
                self.add_error(code if code in self.fields else None, message)


class ActionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
