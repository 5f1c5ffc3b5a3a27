"""The ministry console: the municipality registry, onboarding and provisioning progress."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hamaynk import events
from hamaynk.modules import all_modules
from hamaynk.tenancy import routing
from hamaynk.tenancy.models import Domain, Municipality
from provisioning.golden import GoldenSchemaError
from provisioning.models import ProvisioningRun
from provisioning.pipeline import RequestInvalid, municipality_facts, submit
from provisioning.requests import validate_domain
from provisioning.tasks import dispatch
from provisioning.template_format import InvalidTemplate
from tenants.audit import views as audit_views
from tenants.audit.models import Entry
from tenants.audit.recorder import record

from . import labels
from .forms import OnboardForm


def ministry_staff_required(view):
    """Every console page: a signed-out visitor is sent to sign in and back (`?next=`); a signed-in
    account that is not the ministry's staff gets the 403 page (sending it to the sign-in form,
    which lets a signed-in person through, would only bring it back here)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "console:login")
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@ministry_staff_required
def municipality_list(request):
    municipalities = Municipality.objects.select_related("region").exclude(schema_name="public")
    status = request.GET.get("status")
    if status in Municipality.Status.values:
        municipalities = municipalities.filter(status=status)
    return render(
        request,
        "console/list.html",
        {
            "municipalities": municipalities,
            "statuses": Municipality.Status.choices,
            "current_status": status,
        },
    )


@ministry_staff_required
def onboard(request):
    form = OnboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                run = submit(form.to_request())
                dispatch(run)
        except RequestInvalid as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except (InvalidTemplate, GoldenSchemaError) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("console:detail", uuid=run.municipality.uuid)
    return render(request, "console/onboard.html", {"form": form})


def _latest_run(municipality):
    return municipality.provisioning_runs.prefetch_related("steps").first()


def _register_names(values):
    """{code: name in the reader's language} of the municipality's registers, from the names
    its statistics snapshot keeps beside the counts (Armenian where a translation is missing)."""
    language = (get_language() or "hy")[:2]
    names = values.get("registers.names") or {}
    return {code: given.get(language) or given.get("hy") or code for code, given in names.items()}


@ministry_staff_required
def municipality_detail(request, uuid):
    municipality = get_object_or_404(Municipality.objects.select_related("region", "statistics"), uuid=uuid)
    snapshot = getattr(municipality, "statistics", None)
    values = snapshot.values if snapshot else {}
    run = _latest_run(municipality)
    registers = _register_names(values)
    modules = [
        {
            "module": module,
            "figures": [
                (labels.figure_label(module.code, key, registers), labels.figure_value(key, value))
                for key, value in (
                    (full_key.split(".", 1)[1], value)
                    for full_key, value in sorted(values.items())
                    if full_key.startswith(f"{module.code}.") and not isinstance(value, dict)
                )
            ],
        }
        for module in all_modules()
    ]
    return render(
        request,
        "console/detail.html",
        {
            "modules": modules,
            "snapshot": snapshot,
            "m": municipality,
            "run": run,
            "steps": [(step, labels.step_label(step.name)) for step in run.steps.all()] if run else [],
            "domains": municipality.domains.order_by("-is_primary", "domain"),
            "transitions": [s for s in Municipality.Status if municipality.can_become(s)],
        },
    )


@ministry_staff_required
def progress(request, uuid):
    municipality = get_object_or_404(Municipality, uuid=uuid)
    run = _latest_run(municipality)
    return JsonResponse(
        {
            "status": municipality.status,
            "status_label": municipality.get_status_display(),
            "site_url": municipality.site_url() if municipality.status == Municipality.Status.ACTIVE else None,
            "run": run
            and {
                "state": run.state,
                "state_label": run.get_state_display(),
                "error": run.error,
                "duration": run.duration,
                "steps": [
                    {
                        "name": s.name,
                        "label": labels.step_label(s.name),
                        "state": s.state,
                        "state_label": s.get_state_display(),
                        "duration_ms": s.duration_ms,
                        "error": s.error.splitlines()[0] if s.error else "",
                    }
                    for s in run.steps.all()
                ],
            },
        }
    )


@ministry_staff_required
@require_POST
def retry(request, uuid):
    municipality = get_object_or_404(Municipality, uuid=uuid)
    run = _latest_run(municipality)
    if run and run.state != ProvisioningRun.State.DONE:
        dispatch(run)
        record(municipality, Entry.Action.RETRY)
        messages.info(request, _("Provisioning was started again."))
    return redirect("console:detail", uuid=uuid)


@ministry_staff_required
@require_POST
def add_domain(request, uuid):
    municipality = get_object_or_404(Municipality, uuid=uuid)
    domain = request.POST.get("domain", "").strip().lower()
    try:
        validate_domain(domain)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        Domain.objects.create(domain=domain, tenant=municipality, is_primary=False)
        messages.success(request, _("The domain %(domain)s now reaches this municipality.") % {"domain": domain})
    return redirect("console:detail", uuid=uuid)


@ministry_staff_required
def audit(request):
    """The ministry's own changes (onboarding, status, domains, ministry users), kept in the
    public schema; each municipality's are on its own staff area's audit page."""
    return audit_views.entries_page(request, "audit/console_entries.html")


STATUS_EVENTS = {
    Municipality.Status.SUSPENDED: "municipality.suspended",
    Municipality.Status.ARCHIVED: "municipality.archived",
    Municipality.Status.ACTIVE: "municipality.reactivated",
}


@ministry_staff_required
@require_POST
def change_status(request, uuid):
    with transaction.atomic():
        municipality = get_object_or_404(Municipality.objects.select_for_update(), uuid=uuid)
        target = request.POST.get("status")
        if target not in Municipality.Status.values or not municipality.can_become(target):
            messages.error(request, _("This status change is not allowed."))
        else:
            municipality.status = target
            municipality.save(update_fields=["status", "updated_at"])
            events.record(
                STATUS_EVENTS[target], municipality, municipality_facts(municipality), municipality=municipality
            )
            transaction.on_commit(lambda: routing.forget_municipality(municipality))
            messages.success(
                request,
                _("The municipality is now %(status)s.") % {"status": municipality.get_status_display().lower()},
            )
    return redirect("console:detail", uuid=uuid)
