from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

from . import section

MODULE = Module(
    code="catalogue",
    name=_("Service catalogue"),
    description=_("The services the Citizen Service Office provides: documents, fees, deadlines, forms and workflows."),
    section_schema=section.SCHEMA,
    section_required=True,
    load_section=section.load,
    check_section=section.check,
    depends_on=("profile", "registers"),
    staff_urls="tenants.catalogue.urls_staff",
    staff_menu=((_("Service catalogue"), "catalogue:services"),),
    public_urls="tenants.catalogue.urls_public",
    public_prefix="services/",
)
