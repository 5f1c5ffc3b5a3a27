"""Telling applicants, driven by the case events: email (and SMS when a phone is known) in the
applicant's language. The events carry ids only; this consumer is entitled to the applicant's
contact details and reads them from the municipality's schema when it runs, so a broker outage
delays a notification and loses none, and a saved application never shows an error."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string

from hamaynk.events.registry import consumer

from .models import Case, CaseEvent


@consumer("cases.applicant_notification", {"case.submitted", "case.status_changed"})
def notify_applicant(event):
    """Submissions and the changes the applicant is meant to see (public history entries)."""
    if event.type == "case.status_changed" and not event.payload.get("public"):
        return
    case = Case.objects.select_related("service").get(pk=event.payload["case_id"])
    if not (case.applicant_email or case.applicant_phone):
        return
    history = CaseEvent.objects.get(pk=event.payload["case_event_id"])
    municipality = connection.tenant
    with translation.override(case.applicant_language or "hy"):
        context = {
            "case": case,
            "event": history,
            "municipality": municipality,
            "track_url": municipality.site_url(f"/track/?code={case.tracking_code}"),
        }
        if case.applicant_email:
            send_mail(
                subject=render_to_string("cases/notification_subject.txt", context).strip(),
                message=render_to_string("cases/notification.txt", context),
                from_email=None,
                recipient_list=[case.applicant_email],
            )
        if case.applicant_phone:
            sms = import_string(settings.SMS_BACKEND)()
            sms.send(case.applicant_phone, render_to_string("cases/notification_sms.txt", context).strip())
