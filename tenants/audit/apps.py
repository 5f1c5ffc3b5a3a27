from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail. Its table is in the public schema (the ministry's changes) and in every
    municipality's schema (that municipality's changes), like Django's users."""

    name = "tenants.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from . import tracking

        tracking.connect()
