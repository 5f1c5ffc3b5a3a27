"""The `profile` section of a template: office hours, departments and reception text.

Names, settlements and contacts differ for every municipality: they come from the
provisioning request (the console form, the CLI flags or the CSV row), not from the template.
"""

import datetime

from tenants.i18n_schema import CODE, TRANSLATED_TEXT, translated

from .models import Department, MunicipalProfile, Settlement, WorkingHours

TIME = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}

SCHEMA = {
    "type": "object",
    "properties": {
        "working_hours": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "days": {
                        "type": "array",
                        "minItems": 1,
                        "uniqueItems": True,
                        "items": {"type": "integer", "minimum": 1, "maximum": 7},
                    },
                    "opens": TIME,
                    "closes": TIME,
                    "break": {"type": "array", "items": TIME, "minItems": 2, "maxItems": 2},
                },
                "required": ["days", "opens", "closes"],
                "additionalProperties": False,
            },
        },
        "reception": TRANSLATED_TEXT,
        "departments": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {"code": CODE, "name": TRANSLATED_TEXT},
                "required": ["code", "name"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["working_hours", "departments"],
    "additionalProperties": False,
}


def check(data, template):
    problems = []
    days_seen = set()
    for index, block in enumerate(data.get("working_hours", [])):
        if block["opens"] >= block["closes"]:
            problems.append((f"working_hours[{index}]", "opens must be before closes"))
        brk = block.get("break")
        if brk and not (block["opens"] < brk[0] < brk[1] < block["closes"]):
            problems.append((f"working_hours[{index}].break", "the break must lie inside the opening hours"))
        for day in block["days"]:
            if day in days_seen:
                problems.append((f"working_hours[{index}].days", f"weekday {day} is listed twice"))
            days_seen.add(day)
    codes = [d["code"] for d in data.get("departments", [])]
    for code in {c for c in codes if codes.count(c) > 1}:
        problems.append(("departments", f"duplicate department code {code!r}"))
    return problems


def _time(text):
    return datetime.time.fromisoformat(text)


def load(data, context):
    request = context.request
    reception = data.get("reception", {"hy": "", "en": "", "ru": ""})
    MunicipalProfile.objects.update_or_create(
        singleton=True,
        defaults={
            **translated(request.names),
            **translated(reception, "reception"),
            "phone": request.phone,
            "email": request.email,
            **translated(request.address, "address"),
        },
    )
    hours = []
    for block in data["working_hours"]:
        brk = block.get("break") or [None, None]
        for day in block["days"]:
            hours.append(
                WorkingHours(
                    weekday=day,
                    opens=_time(block["opens"]),
                    closes=_time(block["closes"]),
                    break_starts=brk[0] and _time(brk[0]),
                    break_ends=brk[1] and _time(brk[1]),
                )
            )
    WorkingHours.objects.all().delete()
    WorkingHours.objects.bulk_create(hours)

    Department.objects.all().delete()
    Department.objects.bulk_create(
        [
            Department(code=spec["code"], position=position, **translated(spec["name"]))
            for position, spec in enumerate(data["departments"])
        ]
    )

    Settlement.objects.all().delete()
    Settlement.objects.bulk_create(
        [
            Settlement(
                position=position,
                is_centre=position == 0,
                kind=Settlement.Kind.TOWN if position == 0 and request.centre_is_town else Settlement.Kind.VILLAGE,
                **translated(names),
            )
            for position, names in enumerate(request.settlements)
        ]
    )
