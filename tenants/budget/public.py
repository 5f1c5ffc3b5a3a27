"""Open data: the budget as CSV and JSON at stable URLs, for anyone and any site (CORS open)."""
import csv
import io

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from . import services
from .imports import FIRST_YEAR, LAST_YEAR


def open_data(request, fmt):
    """Every line, or one year's with ?year=; category names in the request's language."""
    year = request.GET.get("year", "").strip()
    if year and not (year.isdecimal() and FIRST_YEAR <= int(year) <= LAST_YEAR):
        return HttpResponseBadRequest(
            _("The year must be a number from %(first)s to %(last)s, such as ?year=2025.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}, content_type="text/plain; charset=utf-8")
    lines = list(services.rows(int(year) if year else None))
    if fmt == "json":
        response = JsonResponse({"dataset": "budget", "currency": "AMD",
                                 "years": sorted({line["year"] for line in lines}), "lines": lines},
                                json_dumps_params={"ensure_ascii": False})
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=services.ROW_KEYS)
        writer.writeheader()
        writer.writerows(lines)
        # The byte-order mark lets spreadsheets open the file as UTF-8; the import accepts it back.
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
