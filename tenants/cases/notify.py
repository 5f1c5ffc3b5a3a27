"""Telling applicants: email (and SMS when a phone is known) after the transaction commits,
in the applicant's language, by a background task — never for a change that rolled back."""

from django.db import transaction


def after_commit(case, event):
    """Queues the message; an applicant who left neither email nor phone costs no task."""
    from .tasks import notify_applicant

    if case.applicant_email or case.applicant_phone:
        transaction.on_commit(lambda: notify_applicant.delay(case.pk, event.pk))
