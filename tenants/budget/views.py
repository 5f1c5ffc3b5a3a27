"""The budget's staff area: the years held with their totals, one year in detail, and the CSV
import (upload → preview of what changes, or every problem → confirm)."""

import secrets

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hamaynk.permissions import requires

from . import imports, services
from .forms import ImportForm
from .models import Import

# The checked file waits in the session (per municipality schema) between preview and confirm.
SESSION_KEY = "budget_import"


@requires("budget.view_line")
def index(request):
    return render(
        request,
        "budget/index.html",
        {
            "years": [
                (year, totals["revenue"], totals["expenditure"]) for year, totals in services.totals_by_year().items()
            ],
            "imports": Import.objects.select_related("user")[:10],
        },
    )


@requires("budget.view_line")
def year_detail(request, year):
    return render(request, "budget/year.html", {"summary": services.summary(year)})


@requires("budget.add_line")
def import_csv(request):
    """Nothing is written until the whole file is clean and the preview is confirmed."""
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            lines = imports.parse(upload["text"])
        except imports.ImportInvalid as exc:
            context["problems"] = exc.problems
        else:
            token = secrets.token_urlsafe(16)
            request.session[SESSION_KEY] = {"token": token, **upload}
            context.update(token=token, rows=len(lines), changes=imports.changes(lines).items())
    return render(request, "budget/import.html", context)


def _confirm(request):
    pending = request.session.pop(SESSION_KEY, None)
    if pending is None or not secrets.compare_digest(pending["token"], request.POST["confirm"]):
        messages.error(request, _("The preview has expired; upload the file again."))
        return redirect("budget:import")
    try:
        lines = imports.parse(pending["text"])
    except imports.ImportInvalid as exc:  # the categories changed since the preview
        return render(request, "budget/import.html", {"form": ImportForm(), "problems": exc.problems})
    record = imports.apply(lines, user=request.user, file_name=pending["name"], sha256=pending["sha256"])
    messages.success(
        request,
        ngettext(
            "%(rows)s budget line was imported for %(years)s.",
            "%(rows)s budget lines were imported for %(years)s.",
            record.rows,
        )
        % {"rows": record.rows, "years": ", ".join(map(str, record.years))},
    )
    return redirect("budget:index")
