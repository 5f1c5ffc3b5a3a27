"""Working-day arithmetic on the municipality's calendar (statutory deadlines use it)."""
import datetime
from dataclasses import dataclass

from .models import CalendarSettings, Holiday


@dataclass(frozen=True)
class WorkingCalendar:
    weekend: frozenset
    non_working: frozenset
    extra_working: frozenset

    @classmethod
    def load(cls, start=None, end=None):
        """The calendar of the current municipality, for dates between start and end."""
        settings_row = CalendarSettings.objects.first()
        weekend = frozenset(settings_row.weekend if settings_row else (6, 7))
        holidays = Holiday.objects.all()
        if start:
            holidays = holidays.filter(date__gte=start)
        if end:
            holidays = holidays.filter(date__lte=end)
        non_working, extra = set(), set()
        for date, kind in holidays.values_list("date", "kind"):
            (extra if kind == Holiday.Kind.WORKING_DAY else non_working).add(date)
        return cls(weekend, frozenset(non_working), frozenset(extra))

    def is_working_day(self, day):
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
