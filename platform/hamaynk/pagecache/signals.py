"""What makes a municipality's cached pages stale: any row of its schema saved or deleted (but
the bookkeeping below), Wagtail's publishing signals, and every domain event its outbox records
(the bulk writes that send no model signal, such as a register import or a budget's
publication, record events). The platform's own changes to a municipality (its name, status)
bump it too."""

from django.conf import settings
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from hamaynk.events.outbox import recorded
from hamaynk.tenancy.current import municipality_identity
from hamaynk.tenancy.models import Municipality

from . import bump_after_commit, enabled

# Rows no public page shows: sessions, sign-in and two-factor bookkeeping, the audit trail, the
# outbox and consumers' receipts (recorded events bump on their own), webhook deliveries,
# editors' admin state, log entries of Wagtail, personal-data access logs. Leaving one out of
# this list costs cache hits, never correctness.
BOOKKEEPING_APPS = {
    "sessions",
    "axes",
    "otp_totp",
    "otp_static",
    "audit",
    "events",
    "webhooks",
    "wagtailadmin",
    "wagtailusers",
    "auth",
    "accounts",
}
BOOKKEEPING_MODELS = {
    "wagtailcore.pagelogentry",
    "wagtailcore.modellogentry",
    "wagtailcore.pagesubscription",
    "registers.personaldataaccess",
    "registers.apikey",
}


def _current_municipality():
    """The uuid of the schema's municipality, or None in the public and golden schemas."""
    schema = getattr(connection, "schema_name", None)
    if schema in (None, "public", settings.GOLDEN_SCHEMA_NAME):
        return None
    identity = municipality_identity()
    return identity[0] if identity else None


def _row_changed(sender, **kwargs):
    if not enabled() or sender is Municipality:
        return
    meta = sender._meta
    if meta.app_label in BOOKKEEPING_APPS or meta.label_lower in BOOKKEEPING_MODELS:
        return
    bump_after_commit(_current_municipality())


post_save.connect(_row_changed, dispatch_uid="hamaynk-page-cache-save")
post_delete.connect(_row_changed, dispatch_uid="hamaynk-page-cache-delete")
m2m_changed.connect(_row_changed, dispatch_uid="hamaynk-page-cache-m2m")


@receiver(page_published, dispatch_uid="hamaynk-page-cache-published")
@receiver(page_unpublished, dispatch_uid="hamaynk-page-cache-unpublished")
@receiver(post_page_move, dispatch_uid="hamaynk-page-cache-moved")
def _page_changed(**kwargs):
    bump_after_commit(_current_municipality())


@receiver(recorded, dispatch_uid="hamaynk-page-cache-events")
def _event_recorded(municipality_uuid=None, **kwargs):
    bump_after_commit(municipality_uuid or _current_municipality())


@receiver([post_save, post_delete], sender=Municipality, dispatch_uid="hamaynk-page-cache-municipality")
def _municipality_changed(instance, **kwargs):
    bump_after_commit(instance.uuid)
