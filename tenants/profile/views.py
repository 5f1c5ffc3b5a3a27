from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from hamaynk.permissions import requires

from .forms import EMBLEM_SIGNATURES, ProfileForm
from .models import Department, MunicipalProfile, Settlement, WorkingHours


@cache_control(public=True, max_age=3600)
def coat_of_arms(request):
    """The emblem is public; it is served from the municipality's own storage prefix."""
    profile = MunicipalProfile.objects.first()
    if not profile or not profile.coat_of_arms:
        raise Http404
    try:
        handle = profile.coat_of_arms.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    head = handle.read(16)
    handle.seek(0)
    content_type = next((t for sig, t in EMBLEM_SIGNATURES.items() if head.startswith(sig)), "application/octet-stream")
    return FileResponse(handle, content_type=content_type)


@requires("municipal_profile.change_municipalprofile")
def edit(request):
    profile = MunicipalProfile.objects.first()
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The profile was saved."))
        return redirect("profile:edit")
    return render(
        request,
        "profile/edit.html",
        {
            "form": form,
            "hours": WorkingHours.objects.all(),
            "settlements": Settlement.objects.all(),
            "departments": Department.objects.all(),
        },
    )
