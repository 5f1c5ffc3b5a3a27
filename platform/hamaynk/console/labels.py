"""What the ministry console calls the codes it shows: each module's figures and each
provisioning step, in the reader's language. The one place that maps these codes to words;
a code missing here shows as a general "Figure" label rather than as the code itself."""

from django.utils import formats
from django.utils.translation import gettext_lazy as _

# "<module>.<key>" of a statistics snapshot (each module's stats.collect()).
FIGURES = {
    "accounts.staff_users": _("Active staff accounts"),
    "accounts.staff_signed_in": _("Staff who have signed in"),
    "budget.years": _("Budget years"),
    "budget.lines": _("Budget lines"),
    "cases.open": _("Open applications"),
    "cases.overdue": _("Overdue applications"),
    "cases.submitted_this_year": _("Applications this year"),
    "cases.month_applications": _("Applications this month"),
    "cases.month_median_working_days": _("Median working days to a decision this month"),
    "cases.month_overdue_share": _("This month's applications past their due date"),
    "cases.month_online_share": _("This month's applications submitted online"),
    "profile.settlements": _("Settlements"),
    "profile.departments": _("Departments"),
    "website.pages": _("Published pages"),
    "website.news": _("Published news"),
}
# records_<register code>: one figure per register, named after the register.
RECORDS_PREFIX = "records_"

STEPS = {
    "validate": _("Checking the request"),
    "create_schema": _("Creating the database schema"),
    "load_sections": _("Loading the template"),
    "create_administrator": _("Creating the first administrator"),
    "activate": _("Activating the municipality"),
}

EMPTY = "—"


def figure_label(module_code, key, registers=None):
    """The figure's name. `registers` maps register codes to their names, for records_<code>."""
    label = FIGURES.get(f"{module_code}.{key}")
    if label is not None:
        return label
    if key.startswith(RECORDS_PREFIX):
        code = key[len(RECORDS_PREFIX) :]
        name = (registers or {}).get(code)
        if name:
            return _("Records in “%(register)s”") % {"register": name}
        return _("Records in a register")
    return _("Figure")


def figure_value(key, value):
    """A figure as a person reads it: a dash for no value, shares as percentages."""
    if value is None or value == "":
        return EMPTY
    if key.endswith("_share"):
        return f"{formats.number_format(float(value) * 100, 1)} %"
    if isinstance(value, float):
        return formats.number_format(value, 1)
    return formats.number_format(value, force_grouping=True)


def step_label(name):
    return STEPS.get(name, _("Step"))
