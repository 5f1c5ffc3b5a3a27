"""Public statistics: aggregates only, never a person. Population comes from the residents
register (its records grouped by the settlement of the registered address), services from
the Citizen Service Office's figures (tenants.cases.kpis) over the last twelve months."""

import datetime
from html import escape

from django.db.models import Count, F
from django.utils import timezone
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


def services_chart(data):
    """A bar chart of the median working days per service, as accessible SVG: each service's
    name on its own line above its bar, so long names in any language are never cut."""
    rows = [(service, figures) for service, figures in data["rows"] if figures.median_days is not None]
    if not rows:
        return ""
    bar, label, gap, width = 20, 18, 14, 760
    longest = max(figures.median_days for _service, figures in rows) or 1
    scale = (width - 60) / longest
    step = label + bar + gap
    height = len(rows) * step
    title = _("Median processing time per service, in working days")
    description = _("The same figures are in the table below.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="services-chart-title services-chart-desc" class="chart">',
        f'<title id="services-chart-title">{escape(title)}</title>',
        f'<desc id="services-chart-desc">{escape(description)}</desc>',
    ]
    for index, (service, figures) in enumerate(rows):
        y = index * step
        length = max(figures.median_days * scale, 2)
        parts.append(f'<text x="0" y="{y + 14}" font-size="14" fill="#1b1f24">{escape(service.name)}</text>')
        parts.append(f'<rect x="0" y="{y + label}" width="{length:.1f}" height="{bar}" class="chart-bar"/>')
        parts.append(
            f'<text x="{length + 6:.1f}" y="{y + label + 15}" font-size="14" fill="#1b1f24">'
            f"{figures.median_days:g}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
