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

# The chart, in SVG user units: each category is a label (one or more lines) over two bars
# (planned, executed), with the amount written after each bar. Two layouts: the wide one for
# screens where the chart is drawn about as wide as its units, and a compact one for phones,
# whose 360 units fill a 375-pixel screen so its letters keep about their size. The template
# (budget/chart_svg.html) is named .html so that its words reach the translation catalogues.


@dataclass(frozen=True)
class Layout:
    width: int
    font_size: int  # the category labels and the legend
    value_font_size: int  # the amounts
    label_line: int  # the height of one line of a label
    label_chars: int  # a label wraps after about this many characters
    bar_height: int
    bar_gap: int
    row_gap: int
    value_room: int  # right of the longest bar, for its amount
    legend_height: int
    legend_second_x: int

    @property
    def plot_width(self):
        return self.width - self.value_room


WIDE = Layout(720, 12, 11, 16, 95, 14, 3, 14, 150, 30, 170)
COMPACT = Layout(360, 15, 13, 19, 36, 16, 3, 14, 125, 34, 150)


def wrap(text, limit):
    """Words in lines of at most `limit` characters (a longer word gets a line of its own)."""
    lines, current = [], ""
    for word in str(text).split():
        if current and len(current) + 1 + len(word) > limit:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else [""]


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


def chart_svg(summary, direction, layout=WIDE):
    """Horizontal bars, planned then executed, per category of one direction. Drawn on the
    server so the page needs no JavaScript; role="img" with a title and a description, and the
    amounts written beside the bars, so nothing depends on telling colours apart. `layout` is
    WIDE or COMPACT (phones)."""
    part = {p.direction: p for p in summary.directions}[direction]
    longest = max([max(line.planned, line.executed) for line in part.lines] + [1])

    def bar(value, y):
        length = layout.plot_width * value / longest
        if value:
            length = max(length, 1)  # a small amount stays visible
        return {
            "value": value,
            "y": f"{y:.1f}",
            "width": f"{length:.1f}",
            "text_x": f"{length + 6:.1f}",
            "text_y": f"{y + layout.bar_height - 3:.1f}",
        }

    rows = []
    top = layout.legend_height
    for line in part.lines:
        label = wrap(line.category.name, layout.label_chars)
        first_baseline = top + layout.label_line - 4
        bars_top = top + len(label) * layout.label_line + 2
        rows.append(
            {
                "line": line,
                "label_y": f"{first_baseline:.1f}",
                "label_lines": [
                    (f"{first_baseline + i * layout.label_line:.1f}", text) for i, text in enumerate(label)
                ],
                "planned": bar(line.planned, bars_top),
                "executed": bar(line.executed, bars_top + layout.bar_height + layout.bar_gap),
            }
        )
        top = bars_top + 2 * layout.bar_height + layout.bar_gap + layout.row_gap
    compact = layout is COMPACT
    return render_to_string(
        "budget/chart_svg.html",
        {
            "summary": summary,
            "part": part,
            "rows": rows,
            "layout": layout,
            "width": layout.width,
            "bar_height": layout.bar_height,
            "height": top if rows else layout.legend_height + 40,
            "id": f"budget-chart-{summary.year}-{direction}" + ("-compact" if compact else ""),
            "compact": compact,
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
