from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hamaynk.tenancy.models import Region
from provisioning.requests import MunicipalityRequest, parse_settlements, validate_slug
from provisioning.template_format import available_templates


class OnboardForm(forms.Form):
    slug = forms.CharField(label=_("Subdomain"), max_length=40)
    name_hy = forms.CharField(label=_("Name in Armenian"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    name_ru = forms.CharField(label=_("Name in Russian"), max_length=200)
    region = forms.ModelChoiceField(label=_("Region (marz)"), queryset=Region.objects.all(), to_field_name="code")
    settlements = forms.CharField(
        label=_("Settlements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, the administrative centre first: Armenian | English | Russian."),
    )
    admin_email = forms.EmailField(label=_("First administrator's email"))
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    email = forms.EmailField(label=_("Municipality's email"), required=False)
    address = forms.CharField(label=_("Address (Armenian)"), max_length=300, required=False)
    template = forms.ChoiceField(label=_("Template"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The example is the address this municipality's site will have: the subdomain typed so
        # far (console-onboard.js keeps it up to date while it is typed), else a sample one.
        typed = (self.data.get("slug") or "").strip().lower() if self.is_bound else ""
        example = gettext("Latin letters, digits and hyphens; the site will be at %(host)s")
        self.fields["slug"].help_text = example % {"host": f"{typed or 'aparan'}.{settings.PLATFORM_DOMAIN}"}
        self.fields["slug"].widget.attrs.update(
            {"data-example": example, "data-domain": settings.PLATFORM_DOMAIN, "autocapitalize": "none"}
        )
        names = available_templates()
        self.fields["template"].choices = [(n, n) for n in names]
        self.fields["template"].initial = settings.PROVISIONING_DEFAULT_TEMPLATE

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip()
        validate_slug(slug)
        return slug

    def to_request(self):
        return self._request(self.cleaned_data)

    def clean(self):
        """The request's own checks (subdomain taken, settlements listed twice, ...) run with
        the fields' checks, so every problem shows at once; a field already refused keeps its
        one message."""
        cleaned = super().clean()
        for field, messages in self._request(cleaned).errors().items():
            if field in self.errors:
                continue
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)
        return cleaned

    def _request(self, data):
        region = data.get("region")
        return MunicipalityRequest(
            slug=data.get("slug") or "",
            names={lang: (data.get(f"name_{lang}") or "").strip() for lang in ("hy", "en", "ru")},
            region=region.code if region else "",
            settlements=parse_settlements(data.get("settlements") or ""),
            admin_email=data.get("admin_email") or "",
            phone=data.get("phone") or "",
            email=data.get("email") or "",
            address=data.get("address") or "",
            template=data.get("template") or "",
        )
