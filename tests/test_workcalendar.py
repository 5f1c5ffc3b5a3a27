"""Working days on the municipality's calendar, as statutory deadlines will count them."""
import datetime

from django_tenants.utils import schema_context

from tenants.workcalendar.calendar import WorkingCalendar
from tenants.workcalendar.models import Holiday
from tenants.workcalendar.section import holidays

D = datetime.date


def test_the_template_calendar_marks_armenian_holidays_and_weekends(alpha):
    with schema_context(alpha.schema_name):
        calendar = WorkingCalendar.load()
        assert not calendar.is_working_day(D(2026, 9, 21))   # Independence Day (Monday)
        assert not calendar.is_working_day(D(2026, 4, 24))   # Genocide Remembrance Day
        assert not calendar.is_working_day(D(2026, 11, 28))  # Saturday
        assert calendar.is_working_day(D(2026, 11, 24))      # an ordinary Tuesday
        assert Holiday.objects.get(date=D(2027, 1, 6)).name_en == "Christmas and Epiphany"


def test_adding_working_days_skips_weekends_and_holidays():
    calendar = WorkingCalendar(frozenset({6, 7}), frozenset({D(2026, 9, 21)}), frozenset())
    # Friday 18.09.2026 + 1 working day: not Saturday, Sunday, or Monday 21.09 (a holiday).
    assert calendar.add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 22)
    assert calendar.add_working_days(D(2026, 9, 14), 5) == D(2026, 9, 22)
    assert calendar.add_working_days(D(2026, 9, 14), 0) == D(2026, 9, 14)


def test_a_term_in_calendar_days_ending_on_a_non_working_day_moves_to_the_next_working_day():
    calendar = WorkingCalendar(frozenset({6, 7}), frozenset({D(2026, 9, 21)}), frozenset())
    # 30 days from 20.08.2026 is Saturday 19.09; Sunday follows and Monday is a holiday.
    assert calendar.add_calendar_days(D(2026, 8, 20), 30) == D(2026, 9, 22)
    assert calendar.add_calendar_days(D(2026, 8, 21), 30) == D(2026, 9, 22)
    assert calendar.add_calendar_days(D(2026, 8, 24), 30) == D(2026, 9, 23)


def test_a_weekend_day_declared_working_counts():
    saturday = D(2026, 12, 26)
    calendar = WorkingCalendar(frozenset({6, 7}), frozenset(), frozenset({saturday}))
    assert calendar.is_working_day(saturday)
    assert calendar.add_working_days(D(2026, 12, 25), 1) == saturday


def test_dated_entries_override_annual_ones():
    section = {
        "weekend": [6, 7], "years": [2026],
        "annual": [{"month": 5, "day": 9, "name": {"hy": "Ա", "en": "A", "ru": "А"}}],
        "dated": [{"date": "2026-05-09", "kind": "working_day", "name": {"hy": "Բ", "en": "B", "ru": "Б"}}],
    }
    assert holidays(section)[D(2026, 5, 9)][0] == "working_day"
