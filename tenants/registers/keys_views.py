"""The administrator's page for the municipality's API keys: issue (shown once), list, revoke."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hamaynk.permissions import requires

from .apikeys import issue_key
from .models import ApiKey


class KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What the key is for"), max_length=100)
    can_write = forms.BooleanField(label=gettext_lazy("May change records"), required=False)


@requires("registers.add_apikey")
def api_keys(request):
    form = KeyForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        key, plaintext = issue_key(form.cleaned_data["name"], form.cleaned_data["can_write"], user=request.user)
        issued = {"key": key, "plaintext": plaintext}
        form = KeyForm()
    return render(
        request,
        "registers/api_keys.html",
        {
            "form": form,
            "issued": issued,
            "keys": ApiKey.objects.select_related("created_by").order_by("revoked_at", "-created_at"),
            "base_url": request.build_absolute_uri("/api/dr/"),
        },
    )


@requires("registers.add_apikey")
@require_POST
def revoke_key(request, prefix):
    key = get_object_or_404(ApiKey, prefix=prefix, revoked_at__isnull=True)
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    messages.success(request, _("The key %(prefix)s no longer works.") % {"prefix": prefix})
    return redirect("registers:api_keys")
