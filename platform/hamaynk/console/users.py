"""The ministry's own users and their two-factor sign-in: a colleague who lost their phone and
their backup codes is reset here and sets it up again at the next sign-in."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hamaynk.twofactor import devices

from .views import ministry_staff_required


@ministry_staff_required
def user_list(request):
    users = get_user_model().objects.filter(is_staff=True).order_by("username")
    return render(
        request,
        "console/users.html",
        {
            "users": [(user, devices.has_device(user)) for user in users],
        },
    )


@ministry_staff_required
@require_POST
def reset_two_factor(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk, is_staff=True)
    devices.reset(user)
    messages.success(
        request,
        _("Two-factor sign-in of %(name)s was reset: they will set it up again at their next sign-in.")
        % {"name": user.get_full_name() or user.username},
    )
    return redirect("console:users")
