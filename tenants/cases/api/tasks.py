"""Tasks: the steps of the workflow a key-holder may take, which are the applicant's (the
transitions whose roles include "applicant", such as answering a request for information). The
office's own steps are taken in the staff area, under each staff member's role, never with a
key. A task exists while its case is in a state the step leaves from; its id is
`<fileId>.<transition code>`, its main task the application (fileId)."""

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hamaynk.api import ApiError, json_body, json_response, not_found
from tenants.catalogue.models import Service

from .. import workflow
from ..models import Case, CaseEvent
from .applications import REGISTRATION, applicant_id, form_data, status
from .common import endpoint, ordered, page, timestamp

APPLICANT = "applicant"


def _steps():
    """{service id: {state: [transition, …]}}: where the applicant has a step to take."""
    steps = {}
    for service in Service.objects.all():
        for transition in service.workflow["transitions"]:
            if APPLICANT in transition["roles"]:
                for state in transition["from"]:
                    steps.setdefault(service.pk, {}).setdefault(state, []).append(transition)
    return steps


def _waiting(steps):
    """Open cases with a step for the applicant, with when and why they came to their state."""
    where = Q(pk__in=[])
    for service_id, states in steps.items():
        where |= Q(service_id=service_id, state__in=list(states))
    last = CaseEvent.objects.filter(case=OuterRef("pk"), to_state=OuterRef("state")).order_by("-at", "-id")
    return (
        Case.objects.filter(where, closed_at__isnull=True)
        .select_related("service")
        .annotate(entered=Subquery(last.values("at")[:1]), reason=Subquery(last.values("comment")[:1]))
    )


def _name(transition):
    return transition["name"].get((get_language() or "hy")[:2]) or transition["name"]["hy"]


def task_info(case, transition):
    """userTaskResponse; the applicant is the assignee. An application registered at the window
    has no applicantId, so its tasks have no assigneeId (left out: the spec types it as a string,
    never null). A case whose history lacks the event that brought it to its state (data from
    before history was kept) has been in it since it was submitted, for no reason given."""
    info = {
        "taskId": f"{case.tracking_code}.{transition['code']}",
        "mainTaskId": case.tracking_code,
        "name": _name(transition),
        "roleId": APPLICANT,
        "created": timestamp(case.entered or case.submitted_at),
        "description": case.reason or "",
        "serviceId": case.service.code,
        "serviceName": case.service.name,
        "fileId": case.tracking_code,
        "eFormId": case.service.code,
        "status": status(case),
    }
    if applicant_id(case):
        info["assigneeId"] = applicant_id(case)
    return info


def _tasks(cases, steps):
    for case in cases:
        for transition in steps[case.service_id][case.state]:
            yield case, transition


@endpoint("GET")
def task_list(request):
    """Filters: mainTaskId and fileId (both the application's fileId), assigneeId (applicantId)."""
    steps = _steps()
    cases = _waiting(steps)
    for name in ("mainTaskId", "fileId"):
        if request.GET.get(name):
            cases = cases.filter(tracking_code=request.GET[name].strip().upper())
    if request.GET.get("assigneeId"):
        cases = cases.filter(data__contains={REGISTRATION: {"applicantId": request.GET["assigneeId"]}})
    tasks = page(request, list(_tasks(ordered(request, cases), steps)))
    return json_response([task_info(case, transition) for case, transition in tasks])


def _task_or_404(task_id):
    file_id, _sep, code = task_id.rpartition(".")
    steps = _steps()
    case = _waiting(steps).filter(tracking_code=file_id.strip().upper()).first()
    transition = next((t for t in steps[case.service_id][case.state] if t["code"] == code), None) if case else None
    if transition is None:
        raise not_found(_("No such task: it is done, or its application is elsewhere in its workflow."))
    return case, transition


@endpoint("GET")
def task(request, task_id):
    """dataUserTaskResponse: the task with the application's form data and registration details."""
    case, transition = _task_or_404(task_id)
    info = task_info(case, transition)
    info["taskName"] = info.pop("name")
    info.pop("mainTaskId")
    return json_response(
        {
            **info,
            "formVariables": form_data(case),
            "data": {
                "registrationNumber": case.reg_number,
                "dueDate": case.due_date.isoformat(),
                "commentRequired": bool(transition.get("comment_required")),
            },
        }
    )


@endpoint("POST", write=True)
def complete(request, task_id):
    """Takes the step for the applicant. The body's data.comment is the applicant's message to
    the office (required where the workflow says so)."""
    case, transition = _task_or_404(task_id)
    data = json_body(request).get("data") or {}
    if not isinstance(data, dict) or not isinstance(data.get("comment", ""), str):
        raise ApiError(400, _("The body is {“data”: {“comment”: “…”}}."))
    try:
        case = workflow.apply(case, transition["code"], applicant=True, comment=data.get("comment", ""))
    except workflow.NotAllowed:  # someone else moved the case first
        raise not_found(_("No such task: it is done, or its application is elsewhere in its workflow.")) from None
    return json_response(
        {
            "taskId": task_id,
            "fileId": case.tracking_code,
            "serviceId": case.service.code,
            "status": status(case),
            "variables": {"input": {"data": data}},
        }
    )
