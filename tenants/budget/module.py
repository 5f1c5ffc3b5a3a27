from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

from . import section, stats

MODULE = Module(
    code="budget",
    name=_("Community budget"),
    description=_(
        "Planned against executed, by year and budget category, imported from CSV and published "
        "with charts and as open data."
    ),
    section_schema=section.SCHEMA,
    load_section=section.load,
    check_section=section.check,
    staff_urls="tenants.budget.urls_staff",
    public_urls="tenants.budget.urls_public",
    public_prefix="open-data/",
    statistics=stats.collect,
    staff_menu=((_("Community budget"), "budget:index"),),
)
