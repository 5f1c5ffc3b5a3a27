"""The municipality's webhook pages (staff area, /staff/webhooks/)."""

from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_POST

from hamaynk.permissions import requires

from . import pages

PLACE = pages.Place("hamaynk/staff_base.html", "webhooks:", ministry=False)
VIEW = "webhooks.view_subscription"
CHANGE = "webhooks.change_subscription"


def _changing(request):
    """Reading the pages takes VIEW; saving a form on them takes CHANGE too."""
    if request.method == "POST" and not request.user.has_perm(CHANGE):
        raise PermissionDenied


@requires(VIEW)
def subscription_list(request):
    _changing(request)
    return pages.subscription_list(request, PLACE)


@requires(VIEW)
def subscription_detail(request, pk):
    _changing(request)
    return pages.subscription_detail(request, PLACE, pk)


@requires(CHANGE)
@require_POST
def pause(request, pk):
    return pages.pause(request, PLACE, pk)


@requires(CHANGE)
@require_POST
def resume(request, pk):
    return pages.resume(request, PLACE, pk)


@requires(CHANGE)
@require_POST
def new_secret(request, pk):
    return pages.new_secret(request, PLACE, pk)


@requires(CHANGE)
@require_POST
def delete(request, pk):
    return pages.delete(request, PLACE, pk)


@requires(CHANGE)
@require_POST
def send_again(request, pk):
    return pages.send_again(request, PLACE, pk)
