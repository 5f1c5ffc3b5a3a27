from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

MODULE = Module(
    code="audit",
    name=_("Audit trail"),
    description=_("Who changed staff accounts, roles, permissions, API keys and the service catalogue, and when."),
    staff_urls="tenants.audit.urls_staff",
    permissions=("audit.view_entry",),
    staff_menu=((_("Audit trail"), "audit:entries"),),
)
