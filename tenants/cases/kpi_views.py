"""The key-figures page of the staff area and the same figures as CSV: per month of a year,
per service and for all services. The chart is SVG drawn on the server, so the page needs no
JavaScript and prints as it shows."""

import datetime
import math

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from hamaynk import csvexport
from hamaynk.permissions import requires
from tenants.catalogue.models import Service

from . import kpis
from .models import Case
from .views import READ

# The chart's drawing, in SVG user units.
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
TICKS = 4


def _selection(request):
    """The year (this year unless another is asked for) and the service (None for all)."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2000), today.year)  # bounds keep the working-day calendar small
    service = Service.objects.filter(code=request.GET.get("service", "")).first()
    return year, service


def _figures(year, service):
    cases = Case.objects.filter(service=service) if service else None
    rows = kpis.figures(datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1), cases=cases)
    names = {s.pk: s for s in Service.objects.all()}
    # With one service chosen, its rows are the totals: show them once.
    return [
        (figures, names.get(figures.service_id)) for figures in rows if not (service and figures.service_id is None)
    ]


@requires(READ)
def kpi_page(request):
    year, service = _selection(request)
    rows = _figures(year, service)
    today = timezone.localdate()
    months = 12 if year < today.year else today.month
    by_month = {figures.period: figures for figures, _service in rows if service or figures.service_id is None}
    years = sorted({d.year for d in Case.objects.datetimes("submitted_at", "year")} | {today.year}, reverse=True)
    return render(
        request,
        "cases/kpis.html",
        {
            "year": year,
            "service": service,
            "years": years,
            "services": Service.objects.all(),
            "rows": [
                {
                    "figures": figures,
                    "service": row_service,
                    "overdue_percent": _percent(figures.overdue_share),
                    "online_percent": _percent(figures.online_share),
                }
                for figures, row_service in rows
            ],
            "chart": chart([by_month.get(datetime.date(year, month, 1)) for month in range(1, months + 1)], year),
        },
    )


def _percent(share):
    return None if share is None else share * 100


def chart(months, year):
    """Bars of the median and the 90th percentile of each month (None: no case that month),
    scaled so that the tallest bar fills the plot; coordinates are strings, never localized."""
    # A multiple of the tick count, so every grid line is a whole number of days.
    longest = max([f.p90_days or 0 for f in months if f] + [1])
    top = TICKS * math.ceil(longest / TICKS)
    slot = PLOT_WIDTH / 12
    bar = slot * 0.36

    def y(value):
        return TOP + PLOT_HEIGHT * (1 - value / top)

    bars, labels = [], []
    for index, figures in enumerate(months):
        x = LEFT + index * slot + (slot - 2 * bar) / 2
        labels.append(
            {"x": f"{x + bar:.1f}", "y": f"{HEIGHT - BOTTOM + 16:.1f}", "month": datetime.date(year, index + 1, 1)}
        )
        if figures is None or figures.median_days is None:
            continue
        for offset, kind, value in ((0, "median", figures.median_days), (bar, "p90", figures.p90_days)):
            bars.append(
                {
                    "kind": kind,
                    "value": value,
                    "x": f"{x + offset:.1f}",
                    "y": f"{y(value):.1f}",
                    "width": f"{bar:.1f}",
                    "height": f"{TOP + PLOT_HEIGHT - y(value):.1f}",
                    "month": datetime.date(year, index + 1, 1),
                }
            )
    ticks = [
        {"value": top * n / TICKS, "y": f"{y(top * n / TICKS):.1f}", "label_y": f"{y(top * n / TICKS) + 4:.1f}"}
        for n in range(TICKS + 1)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_x": LEFT - 6,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
    }


@requires(READ)
def kpi_csv(request):
    year, service = _selection(request)
    header = [
        _("Month"),
        _("Service code"),
        _("Service"),
        _("Applications"),
        _("Closed"),
        _("Median (working days)"),
        _("90th percentile (working days)"),
        _("Overdue share"),
        _("Online share"),
    ]
    rows = (
        [
            figures.period.strftime("%Y-%m"),
            row_service.code if row_service else "",
            row_service.name if row_service else _("All services"),
            figures.applications,
            figures.closed,
            *(_number(v) for v in (figures.median_days, figures.p90_days, figures.overdue_share, figures.online_share)),
        ]
        for figures, row_service in _figures(year, service)
    )
    name = f"kpis-{year}-{service.code}" if service else f"kpis-{year}"
    return csvexport.response(header, rows, filename=f"{name}.csv")


def _number(value):
    """Plain decimals with a point (a spreadsheet in any language reads them), empty for none."""
    return "" if value is None else f"{round(value, 4):g}"
