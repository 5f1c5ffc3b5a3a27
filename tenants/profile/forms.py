from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import MunicipalProfile

MAX_EMBLEM_BYTES = 512 * 1024
# Recognised by their first bytes, never by the file name.
EMBLEM_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # what people type is "aparan.am"
    return field.formfield(**kwargs)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = MunicipalProfile
        formfield_callback = _formfield
        fields = [
            "name_hy",
            "name_en",
            "name_ru",
            "address_hy",
            "address_en",
            "address_ru",
            "phone",
            "email",
            "website",
            "coat_of_arms",
            "reception_hy",
            "reception_en",
            "reception_ru",
        ]
        widgets = {f"reception_{lang}": forms.Textarea(attrs={"rows": 3}) for lang in ("hy", "en", "ru")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language's text is marked as that language, for spelling checkers and screen readers.
        for name, field in self.fields.items():
            language = name.rsplit("_", 1)[-1]
            if language in ("hy", "en", "ru"):
                field.widget.attrs["lang"] = language

    def clean_coat_of_arms(self):
        upload = self.cleaned_data.get("coat_of_arms")
        if not upload or not hasattr(upload, "content_type"):
            return upload
        if upload.size > MAX_EMBLEM_BYTES:
            raise forms.ValidationError(_("The image is larger than 512 KB."))
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(signature) for signature in EMBLEM_SIGNATURES):
            raise forms.ValidationError(_("The coat of arms must be a PNG or JPEG image."))
        return upload
