"""Open data: the budget as CSV and JSON at stable URLs, for anyone and any site (CORS open)."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from hamaynk import csvexport

from . import services
from .imports import FIRST_YEAR, LAST_YEAR


def open_data(request, fmt):
    """Every line, or one year's with ?year=; category names in the request's language."""
    year = request.GET.get("year", "").strip()
    if year and not (year.isdecimal() and FIRST_YEAR <= int(year) <= LAST_YEAR):
        return HttpResponseBadRequest(
            _("The year must be a number from %(first)s to %(last)s, such as ?year=2025.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            content_type="text/plain; charset=utf-8",
        )
    lines = list(services.rows(int(year) if year else None))
    if fmt == "json":
        response = JsonResponse(
            {"dataset": "budget", "currency": "AMD", "years": sorted({line["year"] for line in lines}), "lines": lines},
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        # Amounts are integers and stay numbers; category names are text, made inert.
        response = csvexport.response(services.ROW_KEYS, ([line[key] for key in services.ROW_KEYS] for line in lines))
    response["Access-Control-Allow-Origin"] = "*"
    return response
