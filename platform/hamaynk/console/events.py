"""The events' state for the ministry: how far behind the relay is, and the dead letters (events
a consumer kept failing on) with their errors, to replay once the cause is fixed."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from hamaynk.events import operations
from hamaynk.events.models import DeadLetter

from .views import ministry_staff_required


@ministry_staff_required
def dead_letters(request):
    letters = operations.waiting_dead_letters()
    return render(
        request,
        "console/events.html",
        {
            "status": operations.status(),
            "letters": letters[:200],
            "letter_count": letters.count(),
            "replayed": DeadLetter.objects.filter(replayed_at__isnull=False).order_by("-replayed_at")[:20],
        },
    )


@ministry_staff_required
@require_POST
def replay(request):
    """One dead letter (`letter`) or every waiting one (`all`)."""
    letters = operations.waiting_dead_letters()
    if request.POST.get("all") != "1":
        letters = [get_object_or_404(letters, pk=request.POST.get("letter") or 0)]
    try:
        count = operations.replay(list(letters))
    except Exception as exc:  # the task queue is down: tell the operator, the letters stay
        messages.error(request, _("The events could not be sent again: %(error)s") % {"error": exc})
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d event was sent to its consumer again.",
                "%(count)d events were sent to their consumers again.",
                count,
            )
            % {"count": count},
        )
    return redirect("console:events")
