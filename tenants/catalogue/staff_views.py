"""Staff adjust their municipality's services — fees, texts, deadlines, channels — where the
template does not lock them."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hamaynk.permissions import requires

from .models import Service

# Which form fields each lockable attribute covers.
GROUPS = {
    "fee": ["fee_amd"],
    "term": ["term_days", "term_kind"],
    "texts": [
        "name_hy",
        "name_en",
        "name_ru",
        "description_hy",
        "description_en",
        "description_ru",
        "applicants_hy",
        "applicants_en",
        "applicants_ru",
    ],
    "channels": ["online", "at_window"],
}


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [f for group in GROUPS.values() for f in group] + ["is_active"]
        widgets = {
            f"{kind}_{lang}": forms.Textarea(attrs={"rows": 3})
            for kind in ("description", "applicants")
            for lang in ("hy", "en", "ru")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for group in self.instance.locked:
            for name in GROUPS[group]:
                self.fields[name].disabled = True  # shown, but what is posted is ignored
                self.fields[name].help_text = _("Set by the ministry's template.")
        self.fields["term_days"].min_value = 1

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("online") and not cleaned.get("at_window"):
            raise forms.ValidationError(_("A service must be offered online, at the window, or both."))
        return cleaned


@requires("catalogue.view_service")
def service_list(request):
    return render(request, "catalogue/staff_list.html", {"services": Service.objects.select_related("department")})


@requires("catalogue.change_service")
def service_edit(request, code):
    service = get_object_or_404(Service, code=code)
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The service was saved."))
        return redirect("catalogue:services")
    return render(request, "catalogue/staff_edit.html", {"service": service, "form": form})
