"""The event types a subscription may choose, with the names people read.

A municipality's subscriptions follow its own events; the ministry's may also follow the
platform's events about municipalities. tests/test_webhooks.py checks that every type the code
records is listed here, so a new event cannot be missing from the forms."""

from django.utils.translation import gettext_lazy as _

MUNICIPAL = {
    "case.submitted": _("Application submitted"),
    "case.status_changed": _("Application status changed"),
    "case.information_requested": _("Information requested from the applicant"),
    "case.decided": _("Application decided"),
    "case.output_issued": _("Document issued to the applicant"),
    "register.record.created": _("Register record created"),
    "register.record.changed": _("Register record changed"),
    "register.record.deleted": _("Register record deleted"),
    "budget.published": _("Budget published"),
    "page.published": _("Website page published"),
}

PLATFORM = {
    "municipality.provisioned": _("Municipality provisioned"),
    "municipality.suspended": _("Municipality suspended"),
    "municipality.archived": _("Municipality archived"),
    "municipality.reactivated": _("Municipality reactivated"),
}

ALL = {**MUNICIPAL, **PLATFORM}


def choices(ministry=False):
    """(type, label) pairs for a form: a municipality's own events, and for the ministry also
    the platform's."""
    types = ALL if ministry else MUNICIPAL
    return [(code, label) for code, label in types.items()]


def label(code):
    return ALL.get(code, code)
