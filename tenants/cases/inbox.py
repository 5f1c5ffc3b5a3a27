"""What a staff member's inbox shows, and the counts on the staff dashboard.

The inbox opens on "needs my action": the open applications assigned to the person, and the
unassigned ones of the departments they work in (Department.members). An unassigned
application of no department is nobody's queue, so it is everybody's; a person in no department
sees every unassigned application. The other scopes (mine, unassigned, all open) are one click
away. Rows are ordered overdue first, then by due date.
"""

import datetime

from django.db.models import Case as Choose
from django.db.models import Count, IntegerField, Q, Value, When
from django.utils import timezone

from .models import Case

ACTION, MINE, UNASSIGNED, ALL = "action", "mine", "unassigned", "all"
SCOPES = (ACTION, MINE, UNASSIGNED, ALL)
DEFAULT_SCOPE = ACTION
SOON_DAYS = 2  # as workflow.due_status


def scope_filter(scope, user):
    """The Q of a scope for this person; the caller keeps to open applications."""
    if scope == MINE:
        return Q(assigned_to=user)
    if scope == UNASSIGNED:
        return Q(assigned_to__isnull=True)
    if scope == ACTION:
        return Q(assigned_to=user) | (Q(assigned_to__isnull=True) & my_departments(user))
    return Q()


def my_departments(user):
    """Unassigned applications this person should pick up: their departments' and those of no
    department; all of them when the person is in no department."""
    departments = list(user.departments.values_list("pk", flat=True))
    if not departments:
        return Q()
    return Q(department__in=departments) | Q(department__isnull=True)


def overdue_filter(today):
    return Q(due_date__lt=today, paused_since__isnull=True)


def due_soon_filter(today):
    return Q(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=SOON_DAYS), paused_since__isnull=True)


def open_cases():
    return Case.objects.filter(closed_at__isnull=True)


def ordered(cases, today):
    """Overdue first, then by due date (paused applications by theirs, never as overdue)."""
    late = Choose(When(overdue_filter(today), then=Value(0)), default=Value(1), output_field=IntegerField())
    return cases.annotate(not_overdue=late).order_by("not_overdue", "due_date", "id")


def counts(user, today=None):
    """The dashboard's figures in one query: open applications by state (per service, as a
    state's name belongs to its service's workflow), with how many of each are overdue, due soon,
    waiting for the applicant, and in this person's "needs my action" scope."""
    today = today or timezone.localdate()
    rows = (
        open_cases()
        .values("service_id", "state")
        .annotate(
            total=Count("id"),
            overdue=Count("id", filter=overdue_filter(today)),
            due_soon=Count("id", filter=due_soon_filter(today)),
            paused=Count("id", filter=Q(paused_since__isnull=False)),
            action=Count("id", filter=scope_filter(ACTION, user)),
            action_overdue=Count("id", filter=scope_filter(ACTION, user) & overdue_filter(today)),
        )
        .order_by()
    )
    return list(rows)


def summary(user, today=None):
    """counts() folded for the dashboard: totals, and one line per state code (the largest
    first) with its name in the active language."""
    from tenants.catalogue.models import Service

    rows = counts(user, today)
    keys = ("total", "overdue", "due_soon", "paused", "action", "action_overdue")
    totals = {key: sum(row[key] for row in rows) for key in keys}
    services = Service.objects.in_bulk({row["service_id"] for row in rows})
    states = {}
    for row in rows:
        state = states.setdefault(row["state"], {"code": row["state"], "name": None, "total": 0, "overdue": 0})
        state["total"] += row["total"]
        state["overdue"] += row["overdue"]
        if state["name"] is None:
            service = services.get(row["service_id"])
            state["name"] = service.state_name(row["state"]) if service else row["state"]
    return {"totals": totals, "states": sorted(states.values(), key=lambda s: (-s["total"], s["code"]))}


def dashboard_panel(request):
    """The staff dashboard's panel: counts for those who may read applications."""
    if not request.user.has_perm("cases.view_case"):
        return None
    return summary(request.user)
