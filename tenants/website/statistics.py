"""Public statistics: aggregates only, never a person. Population comes from the residents
register (its records grouped by the settlement of the registered address), services from
the Citizen Service Office's figures (tenants.cases.kpis) over the last twelve months."""

import datetime
import math
import textwrap
from dataclasses import dataclass

from django.db.models import Count, F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tenants.cases import kpis
from tenants.catalogue.models import Service
from tenants.registers.models import Record

RESIDENTS = "residents"
# Only people registered now count (not those who moved out or died); the containment filter
# uses the register's GIN index.
REGISTERED = {"status": "registered"}


def population():
    """[{"settlement", "residents"}] by settlement, largest first, and the total."""
    rows = (
        Record.objects.filter(register__code=RESIDENTS, deleted_at__isnull=True, data__contains=REGISTERED)
        .annotate(settlement=F("data__address__settlement"))
        .values("settlement")
        .annotate(residents=Count("id"))
        .order_by("-residents", "settlement")
    )
    settlements = [{"settlement": r["settlement"] or _("not given"), "residents": r["residents"]} for r in rows]
    return {"settlements": settlements, "total": sum(r["residents"] for r in settlements)}


def services(today=None):
    """Per service over the last twelve months: applications, decided, median and 90th
    percentile working days, and the online and overdue shares; services without cases are left
    out. The period is the twelve whole months before the current one plus the current one."""
    today = today or timezone.localdate()
    end = today + datetime.timedelta(days=1)
    start = kpis.month_of(today.replace(year=today.year - 1))
    names = {s.id: s for s in Service.objects.all()}
    rows = []
    total = None
    for figures in kpis.figures(start, end, period=None, today=today):
        if figures.service_id is None:
            total = figures
        elif figures.service_id in names:
            rows.append((names[figures.service_id], figures))
    rows.sort(key=lambda pair: (-pair[1].applications, pair[0].position))
    return {"start": start, "end": today, "rows": rows, "total": total}


# The chart of processing times, in SVG user units, in two layouts as the budget's chart: the wide
# one for screens where it is drawn about as wide as its units, the compact one whose 360 units
# fill a phone's screen so its letters keep their size (website/statistics_chart.html).
@dataclass(frozen=True)
class ChartLayout:
    name: str
    width: int
    font_size: int
    label_chars: int  # a service's name wraps after about this many characters
    bar_height: int
    row_gap: int
    value_room: int  # right of the axis's last tick, for the figure after the longest bar
    most_ticks: int


CHART_WIDE = ChartLayout("wide", 720, 14, 90, 20, 14, 44, 8)
CHART_COMPACT = ChartLayout("compact", 360, 15, 38, 18, 12, 40, 5)
AXIS_LEFT = 10  # room left of zero for the first tick's number


def axis_ticks(longest, most):
    """Round ticks from 0 past `longest`: steps of 1, 2 or 5 times a power of ten, at most `most`
    steps in all."""
    longest = max(float(longest), 1.0)
    power = 10 ** math.floor(math.log10(longest / most))
    for factor in (1, 2, 5, 10, 20, 50):
        step = factor * power
        if math.ceil(longest / step) <= most:
            break
    count = math.ceil(longest / step)
    return [round(i * step, 6) for i in range(count + 1)]


def services_chart(data):
    """A bar chart of the median working days per service, as accessible SVG, in both layouts:
    each service's name on its own lines above its bar, so long names in any language are never
    cut, the figure after each bar, and a horizontal axis of working days with round ticks."""
    rows = [(service, figures) for service, figures in data["rows"] if figures.median_days is not None]
    if not rows:
        return ""
    longest = max(figures.median_days for _service, figures in rows)
    return mark_safe("".join(_chart(rows, longest, layout) for layout in (CHART_WIDE, CHART_COMPACT)))


def _chart(rows, longest, layout):
    ticks = axis_ticks(longest, layout.most_ticks)
    plot = layout.width - AXIS_LEFT - layout.value_room
    scale = plot / ticks[-1]
    line = layout.font_size + 4
    top, drawn = 4, []
    for service, figures in rows:
        label = textwrap.wrap(str(service.name), layout.label_chars, break_long_words=False) or [""]
        bar_top = top + len(label) * line + 2
        length = max(float(figures.median_days) * scale, 2)
        drawn.append(
            {
                "name": service.name,
                "label": [(f"{top + (i + 1) * line - 5:.1f}", text) for i, text in enumerate(label)],
                "bar_y": f"{bar_top:.1f}",
                "length": f"{length:.1f}",
                "value": figures.median_days,
                "value_x": f"{AXIS_LEFT + length + 6:.1f}",
                "value_y": f"{bar_top + layout.bar_height - 5:.1f}",
            }
        )
        top = bar_top + layout.bar_height + layout.row_gap
    axis_y = top
    # The axis's unit under its numbers, wrapped as the services' names so that it stays inside
    # the compact drawing in every language; centred under the plot, it has less room than a name.
    unit_top = axis_y + layout.font_size + 8
    unit = textwrap.wrap(_("working days (median, from submission to decision)"), layout.label_chars * 4 // 5) or [""]
    return render_to_string(
        "website/statistics_chart.html",
        {
            "layout": layout,
            "id": f"services-chart-{layout.name}",
            "rows": drawn,
            "left": AXIS_LEFT,
            "bar_height": layout.bar_height,
            "plot_top": 0,
            "axis_y": f"{axis_y:.1f}",
            "axis_end": f"{AXIS_LEFT + plot:.1f}",
            "ticks": [
                {
                    "value": tick,
                    "x": f"{AXIS_LEFT + tick * scale:.1f}",
                    "label_y": f"{axis_y + layout.font_size + 8:.1f}",
                }
                for tick in ticks
            ],
            "tick_end": f"{axis_y + 5:.1f}",
            "unit_x": f"{AXIS_LEFT + plot / 2:.1f}",
            "unit": [(f"{unit_top + (i + 1) * line + 4:.1f}", text) for i, text in enumerate(unit)],
            "height": f"{unit_top + len(unit) * line + 12:.1f}",
        },
    )
