"""Open data at stable URLs: /open-data/<dataset>.csv and .json, listed on the open-data page.

Decisions come from the public register (its own open-data export), the budget from the budget
module; population and service figures are aggregated here. Every dataset is public by nature:
counts and amounts, never a person."""

import json

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _

from hamaynk import csvexport
from tenants.registers.public import open_data as register_open_data

from . import statistics

FORMATS = ("csv", "json")
DECISIONS_REGISTER = "council_decisions"

DATASETS = (
    (
        "decisions",
        _("Council decisions"),
        _("Every published decision of the council: number, date, title, text, votes and status."),
    ),
    ("budget", _("Budget"), _("Planned and executed revenue and expenditure by year and budget category, in drams.")),
    ("population", _("Population by settlement"), _("Residents registered in each settlement of the community.")),
    (
        "services",
        _("Services and processing times"),
        _(
            "Applications per service over the last twelve months, with processing times in working days and the online share."
        ),
    ),
)


def datasets():
    return [
        {
            "code": code,
            "title": title,
            "description": description,
            "links": [(fmt.upper(), f"/open-data/{code}.{fmt}") for fmt in FORMATS],
        }
        for code, title, description in DATASETS
    ]


def dataset(request, code, fmt):
    if fmt not in FORMATS:
        raise Http404
    if code == "decisions":
        return register_open_data(request, DECISIONS_REGISTER, fmt)
    if code == "population":
        data = statistics.population()
        fields = ["settlement", "residents"]
        rows = data["settlements"]
        meta = {"total": data["total"]}
    elif code == "services":
        data = statistics.services()
        fields = [
            "service",
            "name",
            "applications",
            "decided",
            "median_working_days",
            "p90_working_days",
            "online_share",
            "overdue_share",
        ]
        rows = [
            {
                "service": service.code,
                "name": service.name,
                "applications": f.applications,
                "decided": f.closed,
                "median_working_days": f.median_days,
                "p90_working_days": f.p90_days,
                "online_share": _share(f.online_share),
                "overdue_share": _share(f.overdue_share),
            }
            for service, f in data["rows"]
        ]
        meta = {"from": data["start"].isoformat(), "to": data["end"].isoformat()}
    else:
        raise Http404
    return respond(code, fields, rows, fmt, meta)


def _share(value):
    return None if value is None else round(value, 4)


def respond(code, fields, rows, fmt, meta=None):
    if fmt == "json":
        body = json.dumps({"dataset": code, **(meta or {}), "fields": fields, "records": rows}, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        response = csvexport.response(
            fields,
            ([row.get(field) for field in fields] for row in rows),
            filename=f"{code}.csv",
            disposition="inline",
            bom=False,
        )
    response["Access-Control-Allow-Origin"] = "*"
    return response
