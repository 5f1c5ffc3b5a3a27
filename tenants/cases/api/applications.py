"""Applications: the GovStack application file is a case. A key-holder submits it for the
applicant (the online channel, through workflow.submit like any application), reads it and its
status, and corrects it while the case waits for the applicant. An application's fileId is its
tracking code, which no other case anywhere has; a registration number repeats in every
municipality.

What the spec carries and a case has no column for (applicantId, the client's `created`, the
Information Mediator client that submitted it) is kept in the case's data under REGISTRATION, a
key no form field can have (field codes start with a letter)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hamaynk.api import ApiError, json_body, json_response
from hamaynk.inputs import parse_datetime

from .. import workflow
from ..models import Case, CaseEvent, CaseFile
from . import documents
from .common import case_or_404, endpoint, invalid, ordered, page, service_or_404, timestamp

REGISTRATION = "_registration"
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def status(case):
    """The spec's four codes: a decision first, then whether the case waits for the applicant;
    the title is the state's name in the workflow."""
    if case.decision == Case.Decision.GRANTED:
        code = "APPROVED"
    elif case.decision == Case.Decision.REFUSED:
        code = "REJECTED"
    elif case.paused_since:
        code = "SENDBACK"
    else:
        code = "PENDING"
    return {"code": code, "title": case.state_name}


def registration(case):
    return case.data.get(REGISTRATION, {})


def applicant_id(case):
    """The calling system's id of the applicant; "" for an application registered at the window,
    which has none (the spec types it as a string, so it is never null)."""
    return registration(case).get("applicantId") or ""


def form_data(case):
    return {code: value for code, value in case.data.items() if code != REGISTRATION}


def details(case):
    """What the spec has no field for, as additionalMeta."""
    return {
        "data": {
            "registrationNumber": case.reg_number,
            "applicationName": case.applicant_name,
            "state": case.state,
            "channel": case.channel,
            "dueDate": case.due_date.isoformat(),
            "decision": case.decision or None,
        }
    }


def application_file(request, case):
    """applicationFileResponse. The spec requires applicantId beside serviceId at the top as well
    as in applicationData; cases registered at the window have none ("")."""
    meta = registration(case)
    registered = timestamp(case.submitted_at)
    return {
        "fileId": case.tracking_code,
        "registered": registered,
        "serviceId": case.service.code,
        "serviceName": case.service.name,
        "status": status(case),
        "ended": not case.is_open,
        "applicantId": applicant_id(case),
        "applicationData": {
            "applicationName": case.applicant_name,
            "applicantId": applicant_id(case),
            "created": meta.get("created") or registered,
            "formData": {"eFormId": case.service.code, "data": form_data(case)},
            "documentUrls": documents.case_documents(request, case),
            "applicant": {
                "email": case.applicant_email,
                "phone": case.applicant_phone,
                "language": case.applicant_language,
            },
        },
        "additionalMeta": details(case),
    }


def list_item(request, case):
    """applicantApplicationFileListResponse; the assignee's fields only when someone is assigned."""
    meta = registration(case)
    item = {
        "fileId": case.tracking_code,
        "mainTaskId": case.tracking_code,
        "taskTitle": f"{case.reg_number} {case.service.name}",
        "status": status(case),
        "applicantId": applicant_id(case),
        "created": meta.get("created") or timestamp(case.submitted_at),
        "registered": timestamp(case.submitted_at),
        "serviceName": case.service.name,
        "serviceId": case.service.code,
        "eformId": case.service.code,
        "documentUrls": documents.case_documents(request, case),
        "additionalMeta": details(case),
    }
    if case.assigned_to:
        item["assigneeId"] = case.assigned_to.get_username()
        item["operatorName"] = case.assigned_to.get_full_name() or case.assigned_to.get_username()
    return item


def _submission(body, service, case=None):
    """applicationFileSubmit checked, with every problem reported at once (400): {applicant_id,
    name, created, data (as given), cleaned (as stored), documents (stored files), applicant
    (contacts)}. With `case`, a correction of that application: its applicant's id is required."""
    errors = {}
    applicant_id = body.get("applicantId")
    if not isinstance(applicant_id, str) or not applicant_id.strip():
        errors["applicantId"] = [_("This field is required.")]
    elif case is not None and applicant_id.strip() != registration(case).get("applicantId"):
        errors["applicantId"] = [_("This is not the applicant of this application.")]
    name = body.get("applicationName")
    if case is None and (not isinstance(name, str) or not name.strip()):
        errors["applicationName"] = [_("Enter the applicant's name.")]
    created = _created(body.get("created"), errors)
    form = body.get("formData") or {}
    data = form.get("data", {}) if isinstance(form, dict) else None
    if not isinstance(data, dict):
        errors["formData"] = [_("formData must be {“eFormId”: …, “data”: {…}}.")]
        data = {}
    elif form.get("eFormId") not in (None, service.code):
        errors["formData"] = [_("This service's form is “%(id)s”.") % {"id": service.code}]
    problems = []
    if case is None and not service.online:
        problems.append(_("This service cannot be applied for online."))
    unknown = sorted(set(data) - set(service.form_fields))
    if unknown:
        problems.append(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    if problems:
        errors["__all__"] = problems
    applicant = _applicant(body.get("applicant"), errors)
    cleaned, form_errors = workflow.clean_form(service, data)
    errors.update(form_errors)
    stored = documents.stored_values(body.get("documentUrls"), errors)
    if errors:
        raise invalid(errors)
    return {
        "applicant_id": applicant_id.strip(),
        "name": name.strip() if isinstance(name, str) else "",
        "created": created,
        "data": data,
        "cleaned": cleaned,
        "documents": stored,
        "applicant": applicant,
    }


def _created(given, errors):
    """The client's `created` as an ISO timestamp in UTC (a time without an offset is Yerevan's),
    or None when not given."""
    if given is None:
        return None
    try:
        moment = parse_datetime(given) if isinstance(given, str) else None
    except ValueError:  # well-formed but impossible, such as an offset of +99:00
        moment = None
    if moment is None:
        errors["created"] = [_("Give a date and time, as 2026-03-01T10:00:00Z.")]
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timestamp(moment.astimezone(datetime.UTC))


def _applicant(given, errors):
    """The applicant's contacts (an addition to the spec): {email, phone, language}, all optional."""
    given = given if isinstance(given, dict) else {}
    applicant = {
        "email": str(given.get("email") or "").strip(),
        "phone": str(given.get("phone") or "").strip(),
        "language": str(given.get("language") or "hy"),
    }
    if applicant["email"]:
        try:
            validate_email(applicant["email"])
        except ValidationError:
            errors["applicant.email"] = [_("Enter a valid email address.")]
    if applicant["language"] not in LANGUAGES:
        errors["applicant.language"] = [_("One of: %(codes)s.") % {"codes": ", ".join(LANGUAGES)}]
    return applicant


@endpoint("POST", write=True, mediator=True)
def submit(request, service_id):
    """200 with the new application file (the spec answers with 200, not 201)."""
    service = service_or_404(service_id)
    body = json_body(request)
    given = _submission(body, service)
    with transaction.atomic():
        case = workflow.submit(
            service, given["data"], channel=Case.Channel.ONLINE, applicant={"name": given["name"], **given["applicant"]}
        )
        case.data[REGISTRATION] = {
            "applicantId": given["applicant_id"],
            "created": given["created"],
            "client": request.actor,
        }
        case.save(update_fields=["data"])
        documents.attach(case, given["documents"], CaseFile.Kind.APPLICATION, case.events.first())
    return json_response(application_file(request, case))


def _cases():
    return Case.objects.select_related("service", "assigned_to").prefetch_related(
        Prefetch("files", queryset=CaseFile.objects.order_by("id"))
    )


@endpoint("GET", mediator=True)
def application_list(request):
    cases = _cases()
    if request.GET.get("serviceId"):
        cases = cases.filter(service__code=request.GET["serviceId"])
    if request.GET.get("applicantId"):
        cases = cases.filter(data__contains={REGISTRATION: {"applicantId": request.GET["applicantId"]}})
    return json_response([list_item(request, case) for case in page(request, ordered(request, cases))])


@csrf_exempt
def application(request, file_id):
    """One path, two permissions: any key reads, only a writing key corrects."""
    if request.method == "PUT":
        return _update(request, file_id)
    return _read(request, file_id)


@endpoint("GET", "PUT", mediator=True)
def _read(request, file_id):
    return json_response(application_file(request, case_or_404(file_id, _cases())))


@endpoint("PUT", write=True, mediator=True)
def _update(request, file_id):
    """The applicant's corrections, while the case waits for them (a request for information):
    the form data is replaced (checked like a new application) and new documents are added. The
    history notes the change, not shown to the public; the case waits until its task is
    completed."""
    case = case_or_404(file_id)
    given = _submission(json_body(request), case.service, case)
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("service").get(pk=case.pk)
        if not case.paused_since:
            raise ApiError(409, _("The application can be changed only while it waits for the applicant."))
        case.data = {**given["cleaned"], REGISTRATION: registration(case)}
        case.save(update_fields=["data"])
        with translation.override(settings.LANGUAGE_CODE):  # history is kept in the municipality's language
            note = _("The applicant changed the application through the Registration API (%(client)s).")
        event = CaseEvent.objects.create(
            case=case, by_applicant=True, action="comment", comment=note % {"client": request.actor}
        )
        documents.attach(case, given["documents"], CaseFile.Kind.ANSWER, event)
    return json_response(application_file(request, case_or_404(file_id, _cases())))
