"""What the Registration API's views share. Keys, the Information Mediator header and JSON
errors are the platform's (hamaynk.api), as for the registers API, so both APIs of a
municipality answer alike; here only what is particular to applications is added."""

import functools

from django.db.models import F
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from hamaynk import api
from hamaynk.api import ApiError, not_found
from tenants.catalogue.models import Service
from tenants.registers.fields import FieldError

from .. import workflow
from ..models import Case

DEFAULT_PAGE = 100
MAX_PAGE = 1000
# The spec's sortBy values (the Camunda task list's). An application has no execution, priority or
# description of its own: those sort by what stands for them here.
BY_NUMBER = (F("year"), F("number"))
SORTS = {
    "id": BY_NUMBER,
    "instanceId": BY_NUMBER,
    "caseInstanceId": BY_NUMBER,
    "executionId": BY_NUMBER,
    "caseExecutionId": BY_NUMBER,
    "created": (F("submitted_at"), F("id")),
    "dueDate": (F("due_date"), F("id")),
    "priority": (F("due_date"), F("id")),
    "assignee": (F("assigned_to__username"), F("id")),
    "name": (F("applicant_name"), F("id")),
    "nameCaseInsensitive": (Lower("applicant_name"), F("id")),
    "description": (F("service__code"), F("id")),
}
# The nearer the due date, the higher the priority: ascending priority is descending due date.
REVERSED = {"priority"}
# Names of the workflow's error keys in the API's bodies.
ERROR_NAMES = {"applicant_name": "applicationName"}


def endpoint(*methods, write=False, mediator=False):
    """The registers API's endpoint (405, 401, 403, then 400 without the mediator header when
    `mediator`), with an invalid application answered 400 and its messages per field."""

    def wrap(view):
        @functools.wraps(view)
        def handle(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except workflow.CaseInvalid as exc:
                raise invalid(exc.errors) from None
            except FieldError as exc:  # a document refused by its content
                raise ApiError(400, str(exc)) from None

        return api.endpoint(*methods, write=write, mediator=mediator)(handle)

    return wrap


def invalid(errors):
    return ApiError(
        400,
        _("The application is not valid."),
        errors={ERROR_NAMES.get(key, key): messages for key, messages in errors.items()},
    )


def service_or_404(service_id):
    """An offered service by its code (the API's serviceId and eFormId)."""
    service = Service.objects.filter(code=service_id, is_active=True).first()
    if service is None:
        raise not_found(_("No service “%(id)s”.") % {"id": service_id})
    return service


def case_or_404(file_id, cases=None):
    """A case by its tracking code (the API's fileId), found only on its own municipality's host."""
    cases = Case.objects.select_related("service") if cases is None else cases
    case = cases.filter(tracking_code=file_id.strip().upper()).first()
    if case is None:
        raise not_found(_("No application “%(id)s”.") % {"id": file_id})
    return case


def page(request, items):
    """firstResult (from 0) and maxResult (100 unless asked, at most 1000) applied to `items`."""
    first, size = _count(request, "firstResult", 0), _count(request, "maxResult", DEFAULT_PAGE)
    return items[first : first + min(size, MAX_PAGE)]


def _count(request, name, default):
    value = request.GET.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ApiError(400, _("%(name)s must be a whole number, 0 or more.") % {"name": name})
    return int(value)


def ordered(request, cases):
    """Cases in the order sortBy and sortOrder ask for (both or neither), else by number."""
    sort_by, order = request.GET.get("sortBy", "").strip(), request.GET.get("sortOrder", "").strip()
    if not sort_by and not order:
        return cases.order_by(*BY_NUMBER)
    if sort_by not in SORTS or order not in ("asc", "desc"):
        raise ApiError(
            400, _("sortBy (one of %(names)s) and sortOrder (asc or desc) go together.") % {"names": ", ".join(SORTS)}
        )
    descending = (order == "desc") != (sort_by in REVERSED)
    return cases.order_by(*(key.desc() if descending else key.asc() for key in SORTS[sort_by]))


def timestamp(moment):
    return moment.isoformat().replace("+00:00", "Z") if moment else None
