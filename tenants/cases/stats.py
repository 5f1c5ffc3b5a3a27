"""Figures the ministry console shows for each municipality (collected by a background job)."""

from django.utils import timezone

from . import kpis
from .models import Case


def collect():
    """Open and overdue cases now, this year's count, and this month's key figures (shares as
    fractions, rounded to 4 digits; the median is None while no case of the month is closed)."""
    today = timezone.localdate()
    open_cases = Case.objects.filter(closed_at__isnull=True)
    month = kpis.total(kpis.month_of(today), kpis.next_month(today), today=today)
    return {
        "open": open_cases.count(),
        "overdue": open_cases.filter(due_date__lt=today, paused_since__isnull=True).count(),
        "submitted_this_year": Case.objects.filter(year=today.year).count(),
        "month_applications": month.applications,
        "month_median_working_days": month.median_days,
        "month_overdue_share": _rounded(month.overdue_share),
        "month_online_share": _rounded(month.online_share),
    }


def _rounded(share):
    return None if share is None else round(share, 4)
