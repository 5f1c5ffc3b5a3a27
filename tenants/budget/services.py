"""The budget as the public website and the open-data files read it:

services.years()                          -> [2026, 2025, ...]
summary = services.summary(2025)          -> summary.revenue.lines, summary.expenditure.planned, ...
services.chart_svg(summary, "revenue")    -> inline SVG (safe string)
services.rows(year=None)                  -> dicts for CSV and JSON exports
"""

from dataclasses import dataclass

from django.db.models import Sum
from django.template.loader import render_to_string

from .models import Category, Line

# The chart, in SVG user units: each category is a label line over two bars (planned, executed),
# with the amount written after each bar.
WIDTH = 720
LEGEND_HEIGHT = 30
LABEL_HEIGHT = 18
BAR_HEIGHT = 14
BAR_GAP = 3
ROW_GAP = 14
VALUE_ROOM = 150  # right of the longest bar, for its amount
ROW_HEIGHT = LABEL_HEIGHT + 2 * BAR_HEIGHT + BAR_GAP + ROW_GAP
PLOT_WIDTH = WIDTH - VALUE_ROOM


@dataclass(frozen=True)
class Figures:
    planned: int
    executed: int

    @property
    def share(self):
        """Executed as a fraction of planned; None when nothing was planned."""
        return self.executed / self.planned if self.planned else None


@dataclass(frozen=True)
class SummaryLine(Figures):
    category: Category


@dataclass(frozen=True)
class DirectionSummary(Figures):
    """One direction (revenue or expenditure) of a year: its lines in classification order and
    their totals."""

    direction: str
    lines: tuple

    @property
    def label(self):
        return Category.Direction(self.direction).label


@dataclass(frozen=True)
class Summary:
    year: int
    revenue: DirectionSummary
    expenditure: DirectionSummary

    @property
    def directions(self):
        return (self.revenue, self.expenditure)


def years():
    """Years that have budget lines, the latest first."""
    return list(Line.objects.order_by("-year").values_list("year", flat=True).distinct())


def summary(year):
    lines = Line.objects.filter(year=year).select_related("category").order_by("category__position", "category__code")
    by_direction = {direction: [] for direction in Category.Direction.values}
    for line in lines:
        by_direction[line.category.direction].append(SummaryLine(line.planned, line.executed, line.category))
    parts = {
        direction: DirectionSummary(
            sum(line.planned for line in found), sum(line.executed for line in found), direction, tuple(found)
        )
        for direction, found in by_direction.items()
    }
    return Summary(year, **parts)


def totals_by_year():
    """{year: {direction: Figures}}, latest year first, in one query (the staff overview)."""
    totals = {}
    query = (
        Line.objects.values_list("year", "category__direction")
        .annotate(planned=Sum("planned"), executed=Sum("executed"))
        .order_by("-year")
    )
    for year, direction, planned, executed in query:
        totals.setdefault(year, {d: Figures(0, 0) for d in Category.Direction.values})[direction] = Figures(
            planned, executed
        )
    return totals


def chart_svg(summary, direction):
    """Horizontal bars, planned then executed, per category of one direction. Drawn on the
    server so the page needs no JavaScript; role="img" with a title and a description, and the
    amounts written beside the bars, so nothing depends on telling colours apart."""
    part = {p.direction: p for p in summary.directions}[direction]
    longest = max([max(line.planned, line.executed) for line in part.lines] + [1])

    def bar(value, y):
        length = PLOT_WIDTH * value / longest
        if value:
            length = max(length, 1)  # a small amount stays visible
        return {
            "value": value,
            "y": f"{y:.1f}",
            "width": f"{length:.1f}",
            "text_x": f"{length + 6:.1f}",
            "text_y": f"{y + BAR_HEIGHT - 3:.1f}",
        }

    rows = []
    for index, line in enumerate(part.lines):
        top = LEGEND_HEIGHT + index * ROW_HEIGHT
        bars_top = top + LABEL_HEIGHT
        rows.append(
            {
                "line": line,
                "label_y": f"{top + 13:.1f}",
                "planned": bar(line.planned, bars_top),
                "executed": bar(line.executed, bars_top + BAR_HEIGHT + BAR_GAP),
            }
        )
    return render_to_string(
        "budget/chart.svg",
        {
            "summary": summary,
            "part": part,
            "rows": rows,
            "width": WIDTH,
            "bar_height": BAR_HEIGHT,
            "height": LEGEND_HEIGHT + max(len(rows), 1) * ROW_HEIGHT,
            "id": f"budget-chart-{summary.year}-{direction}",
        },
    )


# The keys of rows(), in the order the CSV file gives its columns.
ROW_KEYS = ("year", "direction", "category", "category_name", "planned", "executed")


def rows(year=None):
    """One dict per line for the open-data exports, the category named in the active language.
    The keys are the import file's columns too, so a downloaded file can be edited and imported."""
    lines = Line.objects.select_related("category").order_by("year", "category__position", "category__code")
    if year is not None:
        lines = lines.filter(year=year)
    for line in lines:
        yield {
            "year": line.year,
            "direction": line.category.direction,
            "category": line.category.code,
            "category_name": line.category.name,
            "planned": line.planned,
            "executed": line.executed,
        }
