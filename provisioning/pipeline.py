"""The provisioning pipeline: named, idempotent steps with their state in the public schema.

    validate → create_schema → load_sections → create_administrator → activate

Each step commits its work together with its own "done" mark, so a run that failed (or whose
worker died) resumes at the first step not done. The municipality's domain is created by the
last step only: until then nobody can reach a half-built municipality.
"""

import time
import traceback
import zlib
from contextlib import contextmanager
from dataclasses import dataclass

import structlog
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from hamaynk import events
from hamaynk.errors import FieldErrors
from hamaynk.modules import all_modules
from hamaynk.tenancy import routing
from hamaynk.tenancy.models import Domain, Municipality, Region

from . import distribution, golden
from .models import ProvisioningRun, ProvisioningStep
from .requests import MunicipalityRequest
from .template_format import load_named_template

log = structlog.get_logger(__name__)

STEPS = ("validate", "create_schema", "load_sections", "create_administrator", "activate")


class RequestInvalid(FieldErrors):
    """A provisioning request with bad input."""


class AlreadyProvisioned(Exception):
    pass


@dataclass
class StepContext:
    run: ProvisioningRun
    municipality: Municipality
    request: MunicipalityRequest
    template: object = None


def _same_municipality(existing, request):
    """The request names the municipality already recorded under its slug (a batch run again)."""
    return (
        existing.region.code == request.region and existing.name_hy.strip() == (request.names.get("hy") or "").strip()
    )


def submit(request):
    """Records a new municipality and its run, or returns the unfinished run for the same slug.

    Nothing is created when the request or the template is invalid, or the golden schema is
    missing: those raise RequestInvalid, InvalidTemplate or GoldenSchemaError.
    """
    existing = Municipality.objects.filter(slug=request.slug).select_related("region").first()
    if existing is not None:
        if not _same_municipality(existing, request):
            # Another municipality has this subdomain: a mistake in the request, never "done".
            raise RequestInvalid(
                {
                    "slug": [
                        _("The subdomain “%(slug)s” is already taken by %(name)s.")
                        % {"slug": request.slug, "name": existing.name_hy}
                    ]
                }
            )
        if existing.status != Municipality.Status.PROVISIONING:
            raise AlreadyProvisioned(f"{request.slug} is already {existing.status}")
        return existing.provisioning_runs.first()

    errors = request.errors()
    if errors:
        raise RequestInvalid(errors)
    template = load_named_template(request.template)
    golden.current()

    with transaction.atomic():
        municipality = Municipality(
            slug=request.slug,
            region=Region.objects.get(code=request.region),
            template_name=template.name,
            template_version=template.version,
            status=Municipality.Status.PROVISIONING,
            name_hy=request.names["hy"],
            name_en=request.names["en"],
            name_ru=request.names["ru"],
        )
        municipality.schema_name = Municipality.schema_name_for(municipality.uuid)
        municipality.save()
        run = ProvisioningRun.objects.create(
            municipality=municipality,
            template_name=template.name,
            template_version=template.version,
            request=request.as_json(),
        )
        ProvisioningStep.objects.bulk_create(
            ProvisioningStep(run=run, name=name, position=position) for position, name in enumerate(STEPS)
        )
    # The password only ever lives in memory: it is for demo data provisioned in-process.
    run.admin_password = request.admin_password
    return run


def provision(request):
    """submit() and execute() in one go: the CLI's and the demo data's way."""
    run = submit(request)
    run.admin_password = request.admin_password
    return execute(run)


def execute(run):
    """Runs every step not yet done. Returns the run, in state done or failed."""
    with _exclusive(run) as acquired:
        if not acquired:
            log.info("provisioning.already_running", run=run.pk)
            return run
        run.refresh_from_db()
        if run.state == ProvisioningRun.State.DONE:
            return run
        run.state = ProvisioningRun.State.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.finished_at = None
        run.error = ""
        run.save(update_fields=["state", "attempts", "started_at", "finished_at", "error"])

        context = StepContext(
            run=run,
            municipality=run.municipality,
            request=MunicipalityRequest.from_json(
                {**run.request, "admin_password": getattr(run, "admin_password", "")}
            ),
        )
        for step in run.steps.all():
            if step.state == ProvisioningStep.State.DONE:
                continue
            if not _run_step(step, context):
                run.state = ProvisioningRun.State.FAILED
                run.error = f"{step.name}: {step.error.splitlines()[0] if step.error else ''}"
                run.finished_at = timezone.now()
                run.save(update_fields=["state", "error", "finished_at"])
                return run
        run.state = ProvisioningRun.State.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "finished_at"])
        run.refresh_from_db(fields=["admin_link"])
        _first_statistics(run.municipality)
        log.info("provisioning.done", slug=run.municipality.slug, seconds=run.duration)
        return run


@contextmanager
def _exclusive(run):
    """A session advisory lock: two workers handed the same run never run it twice at once."""
    key = zlib.crc32(f"provisioning-run:{run.pk}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            _fresh_connection()


def _fresh_connection():
    """A database session that copied a schema keeps the catalog entries of every table it
    created, and each further copy in that session gets slower (measured: the schema step went
    from 0.44 s to 1.15 s over 100 provisionings on one connection). Workers and bulk runs
    provision many municipalities in a row, so every run ends its session; the next run opens
    a fresh one, at the cost of one connection."""
    if not connection.in_atomic_block:
        connection.close()


def _run_step(step, context):
    step.state = ProvisioningStep.State.RUNNING
    step.started_at = timezone.now()
    step.error = ""
    step.save(update_fields=["state", "started_at", "error"])
    started = time.perf_counter()
    try:
        with transaction.atomic():
            STEP_FUNCTIONS[step.name](context)
            step.state = ProvisioningStep.State.DONE
            step.finished_at = timezone.now()
            step.duration_ms = round((time.perf_counter() - started) * 1000)
            step.save(update_fields=["state", "finished_at", "duration_ms"])
    except Exception as exc:  # any failure is recorded on the step, never swallowed silently
        connection.set_schema_to_public()
        step.state = ProvisioningStep.State.FAILED
        step.finished_at = timezone.now()
        step.duration_ms = round((time.perf_counter() - started) * 1000)
        step.error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}"
        step.save(update_fields=["state", "finished_at", "duration_ms", "error"])
        log.warning("provisioning.step_failed", slug=context.municipality.slug, step=step.name, error=str(exc))
        return False
    finally:
        connection.set_schema_to_public()
    return True


def _first_statistics(municipality):
    """The console shows figures from the first minute, before the periodic job comes by."""
    from hamaynk.tenancy.tasks import collect_statistics

    municipality.refresh_from_db()
    with tenant_context(municipality):
        collect_statistics()


def step_validate(context):
    errors = context.request.errors(check_taken=False)
    if errors:
        raise RequestInvalid(errors)
    context.template = load_named_template(context.request.template)
    golden.current()


def _template(context):
    if context.template is None:
        context.template = load_named_template(context.request.template)
    return context.template


def step_create_schema(context):
    schema = context.municipality.schema_name
    with connection.cursor() as cursor:
        # Left over from an attempt that died before it committed? Start clean.
        cursor.execute(f"DROP SCHEMA IF EXISTS {golden.quote(schema)} CASCADE")
    golden.clone_into(schema)
    distribution.distribute(schema)  # a Citus distributed schema when the database has Citus


def step_load_sections(context):
    template = _template(context)
    connection.set_tenant(context.municipality)
    for module in all_modules():
        if module.load_section and module.code in template.sections:
            module.load_section(template.sections[module.code], context)
    connection.set_schema_to_public()


def step_create_administrator(context):
    from tenants.accounts.administrators import create_first_administrator

    request = context.request
    municipality = context.municipality
    connection.set_tenant(municipality)
    user, path = create_first_administrator(request.admin_email, request.admin_first_name, request.admin_last_name)
    if request.admin_password:
        user.set_password(request.admin_password)
        user.save(update_fields=["password"])
    connection.set_schema_to_public()
    link = municipality.site_url(path)
    ProvisioningRun.objects.filter(pk=context.run.pk).update(admin_link=link)
    if not request.admin_password:
        transaction.on_commit(lambda: _send_admin_link(municipality, request.admin_email, link))


def _send_admin_link(municipality, email, link):
    with translation.override("hy"):
        context = {"municipality": municipality, "link": link}
        send_mail(
            subject=render_to_string("provisioning/admin_link_subject.txt", context).strip(),
            message=render_to_string("provisioning/admin_link.txt", context),
            from_email=None,
            recipient_list=[email],
        )


def step_activate(context):
    municipality = Municipality.objects.select_for_update().get(pk=context.municipality.pk)
    Domain.objects.get_or_create(
        domain=municipality.primary_host, defaults={"tenant": municipality, "is_primary": True}
    )
    for host in context.request.extra_domains:
        Domain.objects.get_or_create(domain=host, defaults={"tenant": municipality, "is_primary": False})
    template = _template(context)
    municipality.status = Municipality.Status.ACTIVE
    municipality.activated_at = timezone.now()
    municipality.template_version = template.version
    municipality.save(update_fields=["status", "activated_at", "template_version", "updated_at"])
    events.record("municipality.provisioned", municipality, municipality_facts(municipality), municipality=municipality)
    transaction.on_commit(lambda: routing.forget_municipality(municipality))


def municipality_facts(municipality):
    """What the platform's events say about a municipality (public facts only)."""
    return {
        "uuid": str(municipality.uuid),
        "slug": municipality.slug,
        "status": municipality.status,
        "region": municipality.region.code,
        "template": municipality.template_name,
        "template_version": municipality.template_version,
        "names": {"hy": municipality.name_hy, "en": municipality.name_en, "ru": municipality.name_ru},
    }


STEP_FUNCTIONS = {
    "validate": step_validate,
    "create_schema": step_create_schema,
    "load_sections": step_load_sections,
    "create_administrator": step_create_administrator,
    "activate": step_activate,
}
