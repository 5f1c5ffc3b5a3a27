"""Working-day arithmetic on the municipality's calendar (statutory deadlines use it).

The calendar is the national one (national.py, computed once per year and process) with the
municipality's own days laid over it: a dated day of its own wins over a day it repeats every
year, which wins over the national calendar. `WorkingCalendar.load()` reads the municipality's
settings and days in two small queries; the days of a year are combined the first time a date of
that year is asked about, so a loop over a long range costs one combination per year."""

import datetime

from .models import CalendarSettings, Holiday
from .national import days_of_year

DEFAULT_WEEKEND = (6, 7)


def year_days(year, country, own):
    """{date: (kind, names, source)} of one year: national days with the municipality's own
    (`own`: Holiday rows) over them; source is "national" or "municipal"."""
    days = (
        {date: (kind, names, "national") for date, (kind, names) in days_of_year(country, year).items()}
        if country
        else {}
    )
    repeated = [h for h in own if h.every_year and h.date.year <= year]
    dated = [h for h in own if h.date.year == year and not h.every_year]
    for holiday in repeated + dated:
        try:
            date = holiday.date.replace(year=year)
        except ValueError:  # 29 February in a common year
            continue
        days[date] = (holiday.kind, holiday.names, "municipal")
    return days


class WorkingCalendar:
    def __init__(self, weekend=DEFAULT_WEEKEND, non_working=(), extra_working=(), *, country=None, own=()):
        """`non_working` and `extra_working` fix single dates (tests, callers with a calendar of
        their own); with `country` and `own` the national and municipal days are added per year."""
        self.weekend = frozenset(weekend)
        self.non_working = set(non_working)
        self.extra_working = set(extra_working)
        self.country = country
        self.own = tuple(own)
        self._years = set()

    @classmethod
    def load(cls, start=None, end=None):
        """The calendar of the current municipality; `start` and `end` only say which years to
        prepare at once (any other year is prepared when first asked about)."""
        settings_row = CalendarSettings.objects.first()
        weekend = settings_row.weekend if settings_row else DEFAULT_WEEKEND
        country = settings_row.country if settings_row else "AM"
        calendar = cls(weekend, country=country, own=Holiday.objects.all())
        if start and end:
            for year in range(start.year, end.year + 1):
                calendar._prepare(year)
        return calendar

    def _prepare(self, year):
        if year in self._years:
            return
        self._years.add(year)
        if self.country is None and not self.own:
            return
        for date, (kind, _names, _source) in year_days(year, self.country, self.own).items():
            if kind == Holiday.Kind.WORKING_DAY:
                self.extra_working.add(date)
                self.non_working.discard(date)
            else:
                self.non_working.add(date)
                self.extra_working.discard(date)

    def is_working_day(self, day):
        if day.year not in self._years:
            self._prepare(day.year)
        if day in self.extra_working:
            return True
        return day.isoweekday() not in self.weekend and day not in self.non_working

    def next_working_day(self, day):
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def add_working_days(self, start, days):
        """The date `days` working days after `start` (start itself not counted)."""
        day = start
        remaining = days
        while remaining > 0:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def add_calendar_days(self, start, days):
        """A term in calendar days; if it ends on a non-working day it moves to the next working day."""
        return self.next_working_day(start + datetime.timedelta(days=days))
