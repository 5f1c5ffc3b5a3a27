from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

from . import section, stats

MODULE = Module(
    code="website",
    name=_("Website"),
    description=_(
        "The municipality's public website: news, council decisions, budget, statistics, services, "
        "contacts and open data, in three languages."
    ),
    section_schema=section.SCHEMA,
    load_section=section.load,
    check_section=section.check,
    depends_on=("accounts", "profile", "registers", "catalogue", "cases", "budget"),
    root_urls="tenants.website.urls_root",
    permissions=("wagtailadmin.access_admin", "website.change_branding", "simple_translation.submit_translation"),
    statistics=stats.collect,
    staff_menu=((_("Website"), "wagtailadmin_home"),),
)
