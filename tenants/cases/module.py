from django.utils.translation import gettext_lazy as _

from hamaynk.modules import Module

from . import inbox, personal_data, stats

MODULE = Module(
    code="cases",
    name=_("Applications"),
    description=_("The one window: applications at the window and online, handled within their deadlines."),
    depends_on=("accounts", "catalogue", "profile", "registers", "workcalendar"),
    staff_urls="tenants.cases.urls_staff",
    public_urls="tenants.cases.urls_public",
    # GovStack Registration API
    api_urls="tenants.cases.api.urls",
    api_prefix="api/registration/",
    public_prefix="",
    # Reading applications (inbox, case, receipt, files, key figures) and registering one at
    # the window. Acting on a case is the workflow's business: its transitions name the roles.
    permissions=("cases.view_case", "cases.add_case"),
    statistics=stats.collect,
    reads_personal_data=personal_data.reads_personal_data,
    dashboard=inbox.dashboard_panel,
    dashboard_template="cases/_dashboard.html",
    staff_menu=((_("Applications"), "cases:inbox"), (_("Register a walk-in application"), "cases:walk_in")),
)
