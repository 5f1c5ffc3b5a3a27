"""The `workcalendar` section: weekend days, holidays that recur every year, and dated
exceptions for particular years (moved holidays, extra non-working or working days)."""
import datetime

from tenants.i18n_schema import TRANSLATED_TEXT, translated

from .models import CalendarSettings, Holiday

KIND = {"enum": [k.value for k in Holiday.Kind]}

SCHEMA = {
    "type": "object",
    "properties": {
        "weekend": {"type": "array", "uniqueItems": True,
                    "items": {"type": "integer", "minimum": 1, "maximum": 7}},
        "years": {
            "type": "array", "minItems": 1, "uniqueItems": True,
            "items": {"type": "integer", "minimum": 2000, "maximum": 2100},
        },
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
    "required": ["weekend", "years", "annual"],
    "additionalProperties": False,
}


def check(data, template):
    problems = []
    for index, entry in enumerate(data.get("annual", [])):
        try:
            datetime.date(2024, entry["month"], entry["day"])  # a leap year admits 29 February
        except ValueError:
            problems.append((f"annual[{index}]", f"{entry['day']}.{entry['month']:02d} is not a date"))
    for index, entry in enumerate(data.get("dated", [])):
        try:
            datetime.date.fromisoformat(str(entry["date"]))
        except ValueError:
            problems.append((f"dated[{index}].date", f"{entry['date']!r} is not a date (YYYY-MM-DD)"))
    return problems


def holidays(data):
    """Every dated holiday the section describes, dated entries overriding annual ones."""
    days = {}
    for year in data["years"]:
        for entry in data["annual"]:
            try:
                date = datetime.date(year, entry["month"], entry["day"])
            except ValueError:  # 29 February in a common year
                continue
            days[date] = (entry.get("kind", Holiday.Kind.HOLIDAY), entry["name"])
    for entry in data.get("dated", []):
        date = datetime.date.fromisoformat(str(entry["date"]))
        days[date] = (entry.get("kind", Holiday.Kind.HOLIDAY), entry["name"])
    return days


def load(data, context):
    CalendarSettings.objects.update_or_create(singleton=True, defaults={"weekend": data["weekend"]})
    Holiday.objects.all().delete()
    Holiday.objects.bulk_create([
        Holiday(date=date, kind=kind, **translated(name))
        for date, (kind, name) in sorted(holidays(data).items())
    ])
