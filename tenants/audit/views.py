"""The audit page: in a municipality's staff area (its own entries) and in the ministry console
(the public schema's entries). The same view serves both; the schema the request is in decides
which entries exist."""

from django.apps import apps
from django.core.paginator import Paginator
from django.db import connection
from django.shortcuts import render

from hamaynk.permissions import requires

from .display import action_label, describe, kind_label, person_label
from .forms import AuditFilterForm
from .models import Entry

PAGE_SIZE = 50


def entries_page(request, template):
    form = AuditFilterForm(request.GET or None)
    entries = Entry.objects.all()
    if form.is_bound:
        entries = form.filter(entries) if form.is_valid() else entries.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _role_names()
    rows = [
        {
            "entry": entry,
            "who": person_label(entry.actor_kind, entry.actor_label),
            "kind": kind_label(entry.object_type),
            "action": action_label(entry.action),
            "changes": describe(entry, names),
        }
        for entry in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"form": form, "rows": rows, "page": page, "query": query.urlencode()})


def _role_names():
    """Role codes (group names) to the roles' names in the page's language."""
    if connection.schema_name == "public":
        return {}
    # Read through the app registry: audit sits below accounts, which records through it.
    Role = apps.get_model("accounts", "Role")

    return {role.code: role.name for role in Role.objects.all()}


@requires("audit.view_entry")
def staff_entries(request):
    return entries_page(request, "audit/staff_entries.html")
