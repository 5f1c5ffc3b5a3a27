from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

from . import section, stats

MODULE = Module(
    code="profile",
    name=_("Municipality profile"),
    description=_("Names, coat of arms, contacts, working hours, settlements and departments."),
    section_schema=section.SCHEMA,
    section_required=True,
    load_section=section.load,
    check_section=section.check,
    staff_urls="tenants.profile.urls_staff",
    public_urls="tenants.profile.urls_public",
    public_prefix="",
    statistics=stats.collect,
    staff_menu=((_("Municipality profile"), "profile:edit"),),
)
