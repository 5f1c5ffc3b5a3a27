from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string

from hamaynk.tenancy.tasks import municipal_task

from .models import Case, CaseEvent


@shared_task(acks_late=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
@municipal_task
def notify_applicant(case_id, event_id):
    from django.db import connection

    case = Case.objects.select_related("service").get(pk=case_id)
    event = CaseEvent.objects.get(pk=event_id)
    municipality = connection.tenant
    with translation.override(case.applicant_language or "hy"):
        context = {
            "case": case,
            "event": event,
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
