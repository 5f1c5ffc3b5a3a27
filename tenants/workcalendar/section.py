"""The `workcalendar` section: the country whose national holidays apply (they come from the
`holidays` package, year after year, so the template lists none of them), the weekend, and the
days every municipality of the template adds or changes on top of the national calendar: days
repeated every year (`annual`) and days of one year (`dated`)."""

import datetime

from tenants.i18n_schema import TRANSLATED_TEXT, translated

from . import national
from .models import CalendarSettings, Holiday

KIND = {"enum": [k.value for k in Holiday.Kind]}
# The year an annual day is stored under: it repeats from then on (see Holiday.every_year).
ANNUAL_SINCE = 2000

SCHEMA = {
    "type": "object",
    "properties": {
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "weekend": {"type": "array", "uniqueItems": True, "items": {"type": "integer", "minimum": 1, "maximum": 7}},
        "annual": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "month": {"type": "integer", "minimum": 1, "maximum": 12},
                    "day": {"type": "integer", "minimum": 1, "maximum": 31},
                    "kind": KIND,
                    "name": TRANSLATED_TEXT,
                },
                "required": ["month", "day", "name"],
                "additionalProperties": False,
            },
        },
        "dated": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "date": {"type": "string", "format": "date"},
                    "kind": KIND,
                    "name": TRANSLATED_TEXT,
                },
                "required": ["date", "name"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["country", "weekend"],
    "additionalProperties": False,
}


def check(data, template):
    problems = []
    if not national.supports(data.get("country", "")):
        problems.append(("country", f"no national holiday calendar for {data.get('country')!r}"))
    seen = set()
    for path, date, _every_year, _kind, _name in _entries(data, problems):
        if date in seen:
            problems.append((path, f"{date.isoformat()} is listed twice"))
        seen.add(date)
    return problems


def _entries(data, problems=None):
    """(path, date, every_year, kind, name) of the section's own days; an annual day is dated
    in ANNUAL_SINCE and repeats from then on."""
    entries = []
    for index, entry in enumerate(data.get("annual", [])):
        try:  # a leap year admits 29 February
            date = datetime.date(ANNUAL_SINCE, entry["month"], entry["day"])
        except ValueError:
            if problems is not None:
                problems.append((f"annual[{index}]", f"{entry['day']}.{entry['month']:02d} is not a date"))
            continue
        entries.append((f"annual[{index}]", date, True, entry.get("kind", Holiday.Kind.HOLIDAY), entry["name"]))
    for index, entry in enumerate(data.get("dated", [])):
        try:
            date = datetime.date.fromisoformat(str(entry["date"]))
        except ValueError:
            if problems is not None:
                problems.append((f"dated[{index}].date", f"{entry['date']!r} is not a date (YYYY-MM-DD)"))
            continue
        entries.append((f"dated[{index}]", date, False, entry.get("kind", Holiday.Kind.HOLIDAY), entry["name"]))
    return entries


def load(data, context):
    """The settings and the template's own days. Days the municipality added itself on other
    dates are kept, so loading the section again (a retried step) changes nothing."""
    CalendarSettings.objects.update_or_create(
        singleton=True, defaults={"weekend": data["weekend"], "country": data["country"]}
    )
    for _path, date, every_year, kind, name in _entries(data):
        Holiday.objects.update_or_create(
            date=date, defaults={"kind": kind, "every_year": every_year, **translated(name)}
        )
