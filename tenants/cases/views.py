"""Front and back office: the inbox sorted by due date, a case with its actions and history,
walk-in applications registered at the window."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from hamaynk.permissions import requires
from tenants.catalogue.models import Service
from tenants.profile.models import Department
from tenants.registers import files as stored_files
from tenants.registers.fields import FieldError

from . import inbox as inbox_queue
from . import personal_data, workflow
from .forms import ActionForm, ApplicationForm
from .models import Case, CaseFile

PAGE_SIZE = 50
# Reading applications: the inbox, a case, its receipt and files, the key figures.
READ = "cases.view_case"
# Registering an application at the window for a citizen.
REGISTER = "cases.add_case"
SCOPE_NAMES = {
    inbox_queue.ACTION: gettext_lazy("Needs my action"),
    inbox_queue.MINE: gettext_lazy("Assigned to me"),
    inbox_queue.UNASSIGNED: gettext_lazy("Not assigned"),
    inbox_queue.ALL: gettext_lazy("All open"),
}


@requires(READ)
def inbox(request):
    today = timezone.localdate()
    scope = request.GET.get("scope", "")
    if scope not in inbox_queue.SCOPES:
        scope = inbox_queue.DEFAULT_SCOPE
    cases = inbox_queue.open_cases().filter(inbox_queue.scope_filter(scope, request.user))
    due = request.GET.get("due", "")
    if due == "overdue":
        cases = cases.filter(inbox_queue.overdue_filter(today))
    elif due == "due_soon":
        cases = cases.filter(inbox_queue.due_soon_filter(today))
    else:
        due = ""
    service = request.GET.get("service", "")
    if service:
        cases = cases.filter(service__code=service)
    department = request.GET.get("department", "")
    if department:
        cases = cases.filter(department__code=department)  # a department's queue
    state = request.GET.get("state", "")
    if state:
        cases = cases.filter(state=state)
    cases = inbox_queue.ordered(cases.select_related("service", "assigned_to"), today)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(case, workflow.due_status(case, today)) for case in page]
    query = request.GET.copy()
    query.pop("page", None)
    query["scope"] = scope
    narrowed = {"due": due, "service": service, "department": department, "state": state}
    kept = urlencode({k: v for k, v in narrowed.items() if v})
    scope_links = [
        (code, SCOPE_NAMES[code], f"?scope={code}" + (f"&{kept}" if kept else "")) for code in inbox_queue.SCOPES
    ]
    return render(
        request,
        "cases/inbox.html",
        {
            "rows": rows,
            "page": page,
            "scope": scope,
            "scopes": scope_links,
            "scope_name": SCOPE_NAMES[scope],
            "narrowed": any(narrowed.values()),
            "overdue": cases.filter(inbox_queue.overdue_filter(today)).count()
            if due != "overdue"
            else page.paginator.count,
            "due": due,
            "service": service,
            "state": state,
            "query": query.urlencode(),
            "services": Service.objects.filter(is_active=True),
            "department": department,
            "departments": Department.objects.all(),
            "in_no_department": not request.user.departments.exists(),
        },
    )


def _case(pk):
    return get_object_or_404(Case.objects.select_related("service", "assigned_to", "department"), pk=pk)


@requires(READ)
def case_detail(request, pk):
    case = _case(pk)
    personal_data.log_read(case, request.user, personal_data.PAGE)
    types = case.service.form_fields
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "status": workflow.due_status(case),
            "values": [(t.label, t.display(case.data.get(code))) for code, t in types.items()],
            "history": history(case),
            "files": case.files.all(),
            "actions": workflow.allowed_transitions(case, request.user),
            "action_form": ActionForm(),
            "staff": get_user_model()
            .objects.filter(is_active=True, groups__role__isnull=False)
            .distinct()
            .order_by("last_name", "username"),
        },
    )


def action_name(service, code):
    if code == "submit":
        return _("submitted")
    if code == "assign":
        return _("assigned")
    if code == "comment":
        return _("corrected by the applicant")
    transition = service.transition(code)
    if transition is None:
        return code
    return transition["name"].get(get_language()[:2]) or transition["name"]["hy"]


def history(case, public_only=False):
    events = case.events.select_related("user")
    if public_only:
        events = events.filter(public=True)
    return [
        {
            "event": e,
            "action": action_name(case.service, e.action),
            "state": case.service.state_name(e.to_state) if e.to_state else "",
        }
        for e in events
    ]


@requires(READ)
def case_act(request, pk):
    """Acting needs reading; which actions a person may take is the workflow's role check."""
    if request.method != "POST":
        return redirect("cases:detail", pk=pk)
    case = _case(pk)
    form = ActionForm(request.POST)
    form.is_valid()
    try:
        with transaction.atomic():
            case = workflow.apply(
                case, request.POST.get("action", ""), user=request.user, comment=form.cleaned_data.get("comment", "")
            )
            _attach(case, request.FILES.getlist("documents"), CaseFile.Kind.ANSWER, case.events.last())
    except workflow.NotAllowed as exc:
        messages.error(request, str(exc))
    except (workflow.CaseInvalid, FieldError) as exc:
        errors = exc.errors if isinstance(exc, workflow.CaseInvalid) else {"documents": [str(exc)]}
        messages.error(request, " ".join(m for ms in errors.values() for m in ms))
    else:
        messages.success(request, _("Done: the application is now “%(state)s”.") % {"state": case.state_name})
    return redirect("cases:detail", pk=pk)


@requires(READ)
def case_assign(request, pk):
    if request.method == "POST":
        case = _case(pk)
        user_id = request.POST.get("user")
        person = get_object_or_404(get_user_model(), pk=user_id) if user_id else None
        workflow.assign(case, to_user=person, by=request.user)
        messages.success(request, _("The assignment was saved."))
    return redirect("cases:detail", pk=pk)


@requires(READ)
def case_file(request, pk, file_id):
    document = get_object_or_404(CaseFile.objects.select_related("case__service"), pk=file_id, case_id=pk)
    try:
        handle = stored_files.open_file({"key": document.key})
    except FileNotFoundError:
        raise Http404 from None
    personal_data.log_read(document.case, request.user, personal_data.FILE, document.name)
    return FileResponse(handle, as_attachment=True, filename=document.name, content_type=document.content_type)


def _attach(case, uploads, kind, event=None):
    for upload in uploads:
        value = stored_files.store(f"cases/{case.year}/{case.number}", upload)
        CaseFile.objects.create(case=case, event=event, kind=kind, **value)


@requires(REGISTER)
def walk_in(request):
    """The front-office operator registers an application for a citizen at the window."""
    services = Service.objects.filter(is_active=True, at_window=True)
    service = services.filter(code=request.GET.get("service") or request.POST.get("service")).first()
    if service is None:
        return render(request, "cases/choose_service.html", {"services": services})
    initial, lookup = prefill(request, service)
    form = ApplicationForm(service, request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                case = workflow.submit(
                    service,
                    form.form_values(),
                    applicant=form.applicant(get_language()[:2]),
                    channel=Case.Channel.WINDOW,
                    user=request.user,
                )
                _attach(case, request.FILES.getlist("documents"), CaseFile.Kind.APPLICATION, case.events.first())
        except workflow.CaseInvalid as exc:
            form.show_errors(exc.errors)
        except FieldError as exc:
            form.add_error("documents", str(exc))
        else:
            messages.success(request, _("Application %(number)s was registered.") % {"number": case.reg_number})
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/walk_in.html", {"service": service, "form": form, "lookup": lookup})


def prefill(request, service):
    """Form values from the service's register (a residence certificate reads the residents
    register), found by what the operator typed. The read is logged like any other."""
    rule = service.prefill
    if not rule:
        return {}, None
    from tenants.registers import services as registers

    types = service.form_fields
    asked = {field: request.GET.get(f"lookup_{field}", "").strip() for field in rule["match"]}
    lookup = {"fields": [(field, types[field].label, value) for field, value in asked.items()], "found": None}
    if not all(asked.values()):
        return {}, lookup
    try:
        record = registers.lookup(rule["register"], **{rule["match"][f]: v for f, v in asked.items()})
    except registers.RecordInvalid:
        record = None
    lookup["found"] = record is not None
    if record is None:
        return dict(asked), lookup
    registers.log_read(
        record,
        channel="staff",
        user=request.user,
        reason=_("Application for “%(service)s”") % {"service": service.name},
    )
    values = registers.prefill(record, rule["fields"])
    return {**asked, **{k: v for k, v in values.items() if v is not None}}, lookup
