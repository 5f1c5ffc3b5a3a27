from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

MODULE = Module(
    code="webhooks",
    name=_("Webhooks"),
    description=_("Other systems (national registers, document flow, payment) receive the municipality's events."),
    depends_on=("audit",),
    staff_urls="tenants.webhooks.urls_staff",
    permissions=("webhooks.view_subscription", "webhooks.change_subscription"),
    staff_menu=((_("Webhooks"), "webhooks:list"),),
)
