"""Forms built from a register's field definitions. They only collect what people type; the
field types check it (the same checks as CSV imports and the API)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import AddressField
from .models import Record


class AddressWidget(forms.MultiWidget):
    """Four inputs, each with a visible label (registers/address_widget.html); the field's own
    label is the legend of their fieldset."""

    template_name = "registers/address_widget.html"
    part_labels = (_("settlement"), _("street"), _("building"), _("apartment"))

    def __init__(self):
        super().__init__([forms.TextInput() for _label in self.part_labels])

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(context["widget"]["subwidgets"], self.part_labels):
            subwidget["part_label"] = label
        return context

    def decompress(self, value):
        return [value.get(p, "") for p in AddressField.PARTS] if value else ["", "", "", ""]


class AddressFormField(forms.MultiValueField):
    widget = AddressWidget

    def __init__(self, **kwargs):
        super().__init__([forms.CharField(required=False) for _part in range(4)], require_all_fields=False, **kwargs)

    def compress(self, values):
        return dict(zip(AddressField.PARTS, values or [])) if values and any(values) else None


class PointWidget(forms.MultiWidget):
    def __init__(self):
        super().__init__(
            [
                forms.TextInput(attrs={"aria-label": _("latitude"), "inputmode": "decimal"}),
                forms.TextInput(attrs={"aria-label": _("longitude"), "inputmode": "decimal"}),
            ]
        )

    def decompress(self, value):
        return [value["lat"], value["lon"]] if value else ["", ""]


class PointFormField(forms.MultiValueField):
    widget = PointWidget

    def __init__(self, **kwargs):
        super().__init__(
            [forms.CharField(required=False), forms.CharField(required=False)], require_all_fields=False, **kwargs
        )

    def compress(self, values):
        return {"lat": values[0], "lon": values[1]} if values and any(values) else None


REFERENCE_CHOICES_LIMIT = 1000


def form_field(field_type):
    spec = field_type.spec
    common = {"label": field_type.label, "required": False}
    kind = spec["type"]
    if kind == "long_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == "date":
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind in ("integer", "decimal"):
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if kind == "boolean":
        return forms.BooleanField(**common)
    if kind == "choice":
        return forms.ChoiceField(choices=[("", "—")] + field_type.choices, **common)
    if kind == "reference":
        targets = (
            Record.objects.filter(register__code=spec["target"], deleted_at__isnull=True)
            .select_related("register")
            .order_by("id")[:REFERENCE_CHOICES_LIMIT]
        )
        return forms.ChoiceField(choices=[("", "—")] + [(str(r.uuid), r.title) for r in targets], **common)
    if kind == "address":
        return AddressFormField(**common)
    if kind == "point":
        return PointFormField(**common)
    if kind == "file":
        return forms.FileField(**common)
    return forms.CharField(**common)


class RecordForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, register, *args, record=None, **kwargs):
        self.register = register
        if record is not None:
            kwargs.setdefault("initial", {**record.data, "version": record.version})
        super().__init__(*args, **kwargs)
        for code, field_type in register.field_types.items():
            field = form_field(field_type)
            field.required_mark = field_type.required
            field.saved_meanwhile = None
            if field_type.required:
                field.widget.attrs["aria-required"] = "true"
            self.fields[code] = field

    def raw_values(self):
        """What was typed, per register field (files are handled by the view)."""
        return {
            code: self.cleaned_data.get(code)
            for code, t in self.register.field_types.items()
            if t.spec["type"] != "file"
        }

    def show_errors(self, errors):
        for code, messages in errors.items():
            for message in messages:
                self.add_error(code if code in self.fields else None, message)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this person's data?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
