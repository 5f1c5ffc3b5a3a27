import hashlib

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 2 * 1024 * 1024


class ImportForm(forms.Form):
    """Takes a CSV file and gives its text: refuses what is too large to be a budget or is not
    text, before any row is read."""

    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is larger than 2 MB. A budget file is a few kilobytes: "
                    "check that you chose the right file."
                )
            )
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        if text is None or "\x00" in text:
            raise forms.ValidationError(
                _("The file is not CSV text in UTF-8. In your spreadsheet, save it as “CSV UTF-8 (comma delimited)”.")
            )
        return {"name": upload.name, "text": text, "sha256": hashlib.sha256(raw).hexdigest()}
