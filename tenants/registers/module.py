from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

from . import personal_data, section, stats

MODULE = Module(
    code="registers",
    name=_("Registers"),
    description=_("Residents, addresses, land, buildings, businesses, council decisions and correspondence."),
    section_schema=section.SCHEMA,
    section_required=True,
    load_section=section.load,
    check_section=section.check,
    depends_on=("accounts",),
    staff_urls="tenants.registers.urls_staff",
    public_urls="tenants.registers.urls_public",
    # GovStack Digital Registries API
    api_urls="tenants.registers.api.urls",
    api_prefix="api/dr/",
    permissions=("registers.view_personaldataaccess", "registers.add_apikey", "registers.view_apikey"),
    statistics=stats.collect,
    reads_personal_data=personal_data.reads_personal_data,
    staff_menu=((_("Registers"), "registers:index"),),
)
