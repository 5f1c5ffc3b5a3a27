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
        self.fields["slug"].help_text = gettext(
            "Latin letters, digits and hyphens; the site will be at <subdomain>.%(domain)s"
        ) % {"domain": settings.PLATFORM_DOMAIN}
        names = available_templates()
        self.fields["template"].choices = [(n, n) for n in names]
        self.fields["template"].initial = settings.PROVISIONING_DEFAULT_TEMPLATE

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip()
        validate_slug(slug)
        return slug

    def to_request(self):
        data = self.cleaned_data
        return MunicipalityRequest(
            slug=data["slug"],
            names={lang: data[f"name_{lang}"].strip() for lang in ("hy", "en", "ru")},
            region=data["region"].code,
            settlements=parse_settlements(data["settlements"]),
            admin_email=data["admin_email"],
            phone=data["phone"],
            email=data["email"],
            address=data["address"],
            template=data["template"],
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for field, messages in self.to_request().errors().items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)
        return cleaned
