"""The citizen's side: apply online (the email address proven by a one-time link), then
follow the application by its tracking code. Nothing personal is ever shown by code."""

import secrets

from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import get_language

from hamaynk import honeypot, throttle
from tenants.catalogue.models import Service
from tenants.registers import files as stored_files
from tenants.registers.fields import FieldError

from . import workflow
from .forms import ApplicationForm
from .models import Case, CaseFile, PendingApplication


@throttle.limit("applications", methods=("POST",))
def apply_online(request, code):
    service = get_object_or_404(Service, code=code, is_active=True, online=True)
    if request.method == "POST" and honeypot.filled(request):
        # Answered like a sent application; nothing is stored and no mail goes out.
        return render(
            request, "cases/check_email.html", {"service": service, "email": request.POST.get("applicant_email", "")}
        )
    form = ApplicationForm(service, request.POST or None, request.FILES or None, email_required=True)
    if request.method == "POST" and form.is_valid():
        data, errors, stored = form.service_data, {}, []
        try:
            stored = [
                stored_files.store(f"pending/{service.code}", upload) for upload in request.FILES.getlist("documents")
            ]
        except FieldError as exc:
            errors["documents"] = [str(exc)]
        if errors:
            form.show_errors(errors)
        else:
            applicant = form.applicant(get_language()[:2])
            pending = PendingApplication.objects.create(
                service=service,
                token=secrets.token_urlsafe(32),
                applicant_name=applicant["name"],
                applicant_email=applicant["email"],
                applicant_phone=applicant["phone"],
                applicant_language=applicant["language"],
                data=data,
                files=stored,
            )
            link = request.build_absolute_uri(f"/apply/confirm/{pending.token}/")
            context = {"service": service, "link": link, "name": pending.applicant_name}
            transaction.on_commit(
                lambda: send_mail(
                    subject=render_to_string("cases/confirm_subject.txt", context).strip(),
                    message=render_to_string("cases/confirm.txt", context),
                    from_email=None,
                    recipient_list=[pending.applicant_email],
                )
            )
            return render(request, "cases/check_email.html", {"service": service, "email": pending.applicant_email})
    return render(request, "cases/apply.html", {"service": service, "form": form})


@throttle.limit("confirmations")
def confirm(request, token):
    """The one-time link: the application becomes a case, with its number and tracking code."""
    with transaction.atomic():
        pending = (
            PendingApplication.objects.select_for_update(of=("self",))
            .select_related("service", "case")
            .filter(token=token)
            .first()
        )
        if pending is None:
            return render(request, "cases/confirm_invalid.html", status=404)
        if pending.case is None:
            case = workflow.submit(
                pending.service,
                pending.data,
                channel=Case.Channel.ONLINE,
                applicant={
                    "name": pending.applicant_name,
                    "email": pending.applicant_email,
                    "phone": pending.applicant_phone,
                    "language": pending.applicant_language,
                },
            )
            event = case.events.first()
            for value in pending.files:
                CaseFile.objects.create(case=case, event=event, kind=CaseFile.Kind.APPLICATION, **value)
            pending.case = case
            pending.save(update_fields=["case"])
    return render(request, "cases/submitted.html", {"case": pending.case})


@throttle.limit("tracking", when=throttle.tracking_or_verification_code)
def track(request):
    """Status, public history and expected date by tracking code — no name, no data."""
    code = request.GET.get("code", "").strip().upper()
    case = None
    if code and not honeypot.filled(request):  # a robot's lookup finds nothing
        case = Case.objects.select_related("service").filter(tracking_code=code).first()
    from .views import history

    return render(
        request,
        "cases/track.html",
        {
            "code": code,
            "case": case,
            "history": history(case, public_only=True) if case else [],
            "not_found": bool(code) and case is None,
        },
    )
