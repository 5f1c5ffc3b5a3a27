"""Key figures of the Citizen Service Office, per service and period of submission: how many
applications came, how long they took in working days (median and 90th percentile), what share
missed the deadline and what share came online.

Everything is computed by one SQL query (percentile_cont for the percentiles), so a year of a
municipality with 100,000 cases is one round trip, not 100,000 objects. Working days are those
of the municipality's WorkingCalendar, the one that sets the deadlines: the calendar numbers
every day from the first submission on (the working days up to and including it), and a case's
processing time is the difference between the numbers of its closing and its submission days —
the working days after the submission day up to the closing day, as add_working_days counts
them — minus the days its clock was stopped. Periods and days are those of the project's time
zone (Asia/Yerevan), whatever the database session's is."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import DateField, Value
from django.db.models.functions import Trunc, TruncDate
from django.utils import timezone

from tenants.workcalendar.calendar import WorkingCalendar

from .models import Case

PERIODS = ("day", "week", "month", "year")

# `selected` is the cases' queryset, with local dates (see `_selected`). The working-day numbers
# come as one array indexed by days since its first day: a subscript per case, where a join with
# a calendar table would sort 100,000 rows twice.
QUERY = """
WITH selected AS ({selected}), timed AS (
    -- Open cases have no time (GREATEST would make their null a 0); a pause in calendar days
    -- may outnumber the working days.
    SELECT selected.*,
           CASE WHEN closed IS NOT NULL THEN GREATEST(
               (%s::integer[])[closed - %s::date + 1]
               - (%s::integer[])[submitted - %s::date + 1] - paused_days, 0) END AS days
    FROM selected
)
SELECT period::date, service_id, count(*), count(closed),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY days),
       count(*) FILTER (WHERE closed > due_date
                        OR closed IS NULL AND paused_since IS NULL AND due_date < %s),
       count(*) FILTER (WHERE channel = 'online'),
       count(*) FILTER (WHERE decision = 'granted'),
       count(*) FILTER (WHERE decision = 'refused'),
       count(*) FILTER (WHERE paused_since IS NOT NULL)
FROM timed
GROUP BY GROUPING SETS ((period, service_id), (period))
ORDER BY period, service_id NULLS FIRST
"""


@dataclass(frozen=True)
class Figures:
    """The figures of one period, for one service or (service_id None) for all together.

    `closed` cases are the only ones with a processing time; `overdue` counts the cases closed
    after their due date and the open ones past it whose clock runs (a paused case's due date
    moves when the applicant answers, so it is not late yet); `approved` and `rejected` count
    the decisions taken, `waiting` the cases waiting for the applicant now."""

    period: datetime.date
    service_id: int | None
    applications: int = 0
    closed: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    overdue: int = 0
    online: int = 0
    approved: int = 0
    rejected: int = 0
    waiting: int = 0

    @property
    def overdue_share(self):
        return self.overdue / self.applications if self.applications else None

    @property
    def online_share(self):
        return self.online / self.applications if self.applications else None


def month_of(day):
    return day.replace(day=1)


def next_month(day):
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def figures(start, end, *, period="month", cases=None, today=None):
    """Figures of the cases submitted from `start` up to `end` (local dates, `end` excluded), per
    period ("day", "week" from Monday, "month", "year", or None for the whole range as one
    period starting on `start`), per service and for all services, ordered by period with the
    all-services row first. `cases`, a Case queryset, narrows the cases counted; it must not
    repeat a case (filter across to-many relations with a subquery). Periods without cases have
    no rows."""
    if period is not None and period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    today = today or timezone.localdate()
    selected, params = _selected(Case.objects.all() if cases is None else cases, start, end, period)
    numbers = _working_day_numbers(start, max(end, today))
    with connection.cursor() as cursor:
        cursor.execute(QUERY.format(selected=selected), [*params, numbers, start, numbers, start, today])
        return [
            Figures(*row[:4], *(None if v is None else float(v) for v in row[4:6]), *row[6:])
            for row in cursor.fetchall()
        ]


def total(start, end, *, today=None):
    """All services together from `start` up to `end`: one Figures, empty when no case came."""
    rows = figures(start, end, period=None, today=today)
    return rows[0] if rows else Figures(period=start, service_id=None)


def _selected(cases, start, end, period):
    """The SQL and parameters of the cases submitted in the range, with their local submission
    and closing dates and the start of their period."""
    local = timezone.get_default_timezone()
    since = Trunc("submitted_at", period, output_field=DateField(), tzinfo=local) if period else Value(start)
    rows = (
        cases.filter(submitted_at__gte=_midnight(start), submitted_at__lt=_midnight(end))
        .order_by()
        .annotate(
            period=since, submitted=TruncDate("submitted_at", tzinfo=local), closed=TruncDate("closed_at", tzinfo=local)
        )
        .values(
            "service_id",
            "channel",
            "due_date",
            "paused_since",
            "paused_days",
            "decision",
            "period",
            "submitted",
            "closed",
        )
    )
    return rows.query.sql_with_params()


def _midnight(day):
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_default_timezone())


def _working_day_numbers(first, last):
    """For every day from `first` to `last`, the working days from `first` up to and including it."""
    calendar = WorkingCalendar.load(first, last)
    numbers, count = [], 0
    for offset in range((last - first).days + 1):
        count += calendar.is_working_day(first + datetime.timedelta(days=offset))
        numbers.append(count)
    return numbers
