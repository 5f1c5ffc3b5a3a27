from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

from . import section, stats

MODULE = Module(
    code="accounts",
    name=_("Staff and roles"),
    description=_("Staff accounts of the municipality and the roles that grant their permissions."),
    section_schema=section.SCHEMA,
    section_required=True,
    load_section=section.load,
    check_section=section.check,
    depends_on=("audit", "profile", "workcalendar"),
    staff_urls="tenants.accounts.urls_staff",
    permissions=(
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "accounts.view_role",
        "accounts.change_role",
    ),
    statistics=stats.collect,
    staff_menu=((_("Staff and roles"), "accounts:staff"),),
)
