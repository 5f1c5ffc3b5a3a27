from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

from . import section

MODULE = Module(
    code="workcalendar",
    name=_("Working calendar"),
    description=_("Weekends and the national holiday calendar used to count deadlines in working days."),
    section_schema=section.SCHEMA,
    section_required=True,
    load_section=section.load,
    check_section=section.check,
    staff_urls="tenants.workcalendar.urls_staff",
    staff_menu=((_("Working calendar"), "workcalendar:holidays"),),
)
