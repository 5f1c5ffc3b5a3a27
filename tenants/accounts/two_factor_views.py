"""An administrator resets a colleague's two-factor sign-in (a lost or replaced phone): every
device is removed and the next sign-in starts a new enrolment."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hamaynk.permissions import requires
from hamaynk.twofactor import devices


@requires("auth.change_user")
@require_POST
def reset(request, pk):
    member = get_object_or_404(get_user_model(), pk=pk)
    devices.reset(member)
    messages.success(
        request,
        _("Two-factor sign-in of %(name)s was reset: they will set it up again at their next sign-in.")
        % {"name": member.get_full_name() or member.username},
    )
    return redirect("accounts:edit", pk=member.pk)
