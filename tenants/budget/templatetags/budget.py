"""`{% load budget %}`: amounts and shares as people read them (thousands grouped the active
language's way, the dram sign after the number, no decimals: the dram has no minor unit) and
the chart tag, so a page template can draw a summary without a view's help."""

from django import template
from django.utils.formats import get_format, number_format
from django.utils.html import format_html

from tenants.budget.services import COMPACT, WIDE, chart_svg

register = template.Library()


@register.filter
def drams(value):
    if value is None:
        return ""
    grouped = f"{value:,}".replace(",", get_format("THOUSAND_SEPARATOR"))
    return f"{grouped}\u00a0֏"


@register.filter
def percent(share):
    """A share (0.875) as a percentage with one decimal ("87.5%"); a dash when there is none."""
    if share is None:
        return "—"
    return f"{number_format(share * 100, decimal_pos=1)}%"


@register.simple_tag
def budget_chart(summary, direction):
    """The chart of one direction of a summary (see services.chart_svg), in both layouts: the
    style sheet shows the compact one on phones and the wide one elsewhere."""
    return format_html("{}{}", chart_svg(summary, direction, WIDE), chart_svg(summary, direction, COMPACT))
