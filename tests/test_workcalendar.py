"""Working days on the municipality's calendar: the national holidays from the `holidays`
package, the municipality's own days over them, and the deadlines counted on the result."""

import datetime

import holidays as holidays_package
import pytest
from django_tenants.utils import schema_context

from tenants.cases import workflow
from tenants.catalogue.models import Service
from tenants.workcalendar import national
from tenants.workcalendar.calendar import WorkingCalendar, year_days
from tenants.workcalendar.models import Holiday
from tests.registers_helpers import signed_in

D = datetime.date


@pytest.fixture(autouse=True)
def _one_factor(settings):
    """These tests are about the calendar; the second sign-in factor has tests of its own."""
    settings.TWO_FACTOR_REQUIRED = False


def test_the_installed_package_lists_27_january_from_2026_and_not_before():
    assert D(2026, 1, 27) in holidays_package.country_holidays("AM", years=2026)
    assert D(2025, 1, 27) not in holidays_package.country_holidays("AM", years=2025)


def test_national_days_have_names_in_three_languages():
    days = national.days_of_year("AM", 2026)
    kind, names = days[D(2026, 1, 27)]
    assert kind == Holiday.Kind.REMEMBRANCE
    assert names["en"] == "Day of Remembrance for the Fallen Defenders of the Fatherland"
    assert names["ru"] == "День памяти павших защитников Отечества"
    assert "զոհված" in names["hy"]
    assert days[D(2026, 9, 21)] == (
        Holiday.Kind.HOLIDAY,
        {"hy": "Անկախության օր", "en": "Independence Day", "ru": "День независимости"},
    )
    # Every name of every year the package knows has a Russian name of ours, none in English.
    for year in range(2000, 2031):
        for date, (_kind, texts) in national.days_of_year("AM", year).items():
            assert set(texts) == {"hy", "en", "ru"} and all(texts.values()), date
            assert texts["ru"] != texts["en"], (date, texts)


def test_days_off_moved_by_decision_and_the_weekend_worked_instead():
    days = national.days_of_year("AM", 2016)
    assert days[D(2016, 3, 7)][0] == Holiday.Kind.HOLIDAY
    assert days[D(2016, 3, 7)][1]["ru"] == "Выходной день (перенесён с 12.03.2016)"
    assert days[D(2016, 3, 12)][0] == Holiday.Kind.WORKING_DAY  # the Saturday worked instead
    calendar = WorkingCalendar(country="AM")
    assert not calendar.is_working_day(D(2016, 3, 7)) and calendar.is_working_day(D(2016, 3, 12))


def test_the_municipal_calendar_marks_national_holidays_and_weekends(alpha):
    with schema_context(alpha.schema_name):
        calendar = WorkingCalendar.load()
        assert not calendar.is_working_day(D(2026, 1, 27))  # new from 2026, a Tuesday
        assert calendar.is_working_day(D(2025, 1, 27))  # an ordinary Monday the year before
        assert not calendar.is_working_day(D(2026, 9, 21))  # Independence Day (Monday)
        assert not calendar.is_working_day(D(2026, 4, 24))  # Genocide Remembrance Day
        assert not calendar.is_working_day(D(2026, 11, 28))  # Saturday
        assert calendar.is_working_day(D(2026, 11, 24))  # an ordinary Tuesday
        assert not calendar.is_working_day(D(2031, 1, 6))  # a year nobody listed anywhere
        assert not Holiday.objects.filter(date__in=[D(2026, 1, 27), D(2026, 9, 21)]).exists()  # nothing copied


def test_a_deadline_across_new_year_and_christmas():
    calendar = WorkingCalendar(country="AM")
    # Tuesday 30.12.2025 + 3 working days: 31.12, 1-2.01 holidays, 3-4.01 weekend, Monday 5.01
    # counts, Tuesday 6.01 (Christmas) does not, then 7.01 and 8.01.
    assert calendar.add_working_days(D(2025, 12, 30), 3) == D(2026, 1, 8)
    # 5 calendar days from 1.01.2026 end on Tuesday 6.01 (Christmas): the term moves to 7.01.
    assert calendar.add_calendar_days(D(2026, 1, 1), 5) == D(2026, 1, 7)
    # Across 27 and 28 January 2026 (Tuesday, Wednesday).
    assert calendar.add_working_days(D(2026, 1, 26), 1) == D(2026, 1, 29)


def test_working_day_arithmetic_over_decades_stays_fast():
    import time

    calendar = WorkingCalendar(country="AM")
    started = time.perf_counter()
    end = calendar.add_working_days(D(2000, 1, 1), 250 * 30)
    elapsed = time.perf_counter() - started
    assert D(2029, 1, 1) < end < D(2031, 1, 1)
    assert elapsed < 2.0, elapsed  # one national calendar per year, not one package call per day


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


def test_own_days_override_the_national_calendar_dated_over_annual():
    names = {"hy": "Ա", "en": "A", "ru": "А"}
    own = [
        Holiday(date=D(2000, 10, 12), every_year=True, kind="holiday", name_hy="Ա", name_en="A", name_ru="А"),
        Holiday(date=D(2027, 10, 12), kind="working_day", name_hy="Բ", name_en="B", name_ru="Б"),
        Holiday(date=D(2026, 9, 21), kind="working_day", name_hy="Գ", name_en="C", name_ru="В"),
    ]
    assert year_days(2026, "AM", own)[D(2026, 10, 12)] == ("holiday", names, "municipal")
    assert year_days(2027, "AM", own)[D(2027, 10, 12)][0] == "working_day"
    assert year_days(2026, "AM", own)[D(2026, 9, 21)][0] == "working_day"
    assert year_days(2027, "AM", own)[D(2027, 9, 21)][2] == "national"
    calendar = WorkingCalendar(country="AM", own=own)
    assert not calendar.is_working_day(D(2026, 10, 12)) and calendar.is_working_day(D(2027, 10, 12))
    assert calendar.is_working_day(D(2026, 9, 21)) and not calendar.is_working_day(D(2027, 9, 21))


def _due(municipality, start):
    with schema_context(municipality.schema_name):
        return workflow.due_date(Service.objects.get(code="residence_certificate"), start)


def test_a_municipal_override_changes_alpha_deadlines_and_not_betas(alpha, beta, client_for):
    """Staff of alpha add a local day off on the working-calendar page; alpha's deadlines move,
    beta's do not, and beta's page does not show it."""
    start = D(2026, 10, 9)  # a Friday; the residence certificate takes one working day
    assert _due(alpha, start) == _due(beta, start) == D(2026, 10, 12)
    secretary = signed_in(client_for, alpha, "secretary@calendar.test", "secretary")
    page = secretary.get("/staff/workcalendar/", {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'data-date="2026-01-27" data-source="national"' in page.content.decode()
    added = secretary.post(
        "/staff/workcalendar/add/",
        {
            "date": "2026-10-12",
            "kind": "holiday",
            "name_hy": "Քաղաքի օր",
            "name_en": "Town Day",
            "name_ru": "День города",
        },
    )
    assert added.status_code == 302 and added["Location"].endswith("?year=2026")
    worked = secretary.post(
        "/staff/workcalendar/add/",
        {
            "date": "2026-09-21",
            "kind": "working_day",
            "name_hy": "Աշխատանքային օր",
            "name_en": "Worked",
            "name_ru": "Рабочий день",
        },
    )
    assert worked.status_code == 302
    try:
        assert _due(alpha, start) == D(2026, 10, 13)
        assert _due(beta, start) == D(2026, 10, 12)
        with schema_context(alpha.schema_name):
            assert WorkingCalendar.load().is_working_day(D(2026, 9, 21))
        with schema_context(beta.schema_name):
            assert not WorkingCalendar.load().is_working_day(D(2026, 9, 21))
            assert not Holiday.objects.filter(date=D(2026, 10, 12)).exists()
        page = secretary.get("/staff/workcalendar/", {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-date="2026-10-12" data-source="municipal"' in page and "Town Day" in page
        beta_secretary = signed_in(client_for, beta, "secretary@calendar.test", "secretary")
        assert "Town Day" not in beta_secretary.get("/staff/workcalendar/", {"year": "2026"}).content.decode()
        # A date taken twice is refused with a message, nothing is stored.
        again = secretary.post(
            "/staff/workcalendar/add/",
            {"date": "2026-10-12", "kind": "holiday", "name_hy": "Ա", "name_en": "A", "name_ru": "А"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert again.status_code == 200 and "already exists" in again.content.decode()
    finally:
        with schema_context(alpha.schema_name):
            own = Holiday.objects.filter(date__in=[D(2026, 10, 12), D(2026, 9, 21)])
            pks = list(own.values_list("pk", flat=True))
        for pk in pks:
            assert secretary.post(f"/staff/workcalendar/{pk}/delete/", {"year": "2026"}).status_code == 302
    assert _due(alpha, start) == D(2026, 10, 12)


def test_only_roles_with_the_permission_change_the_calendar(alpha, client_for):
    specialist = signed_in(client_for, alpha, "specialist@calendar.test", "specialist")
    assert specialist.get("/staff/workcalendar/").status_code == 200
    refused = specialist.post(
        "/staff/workcalendar/add/",
        {"date": "2026-10-12", "kind": "holiday", "name_hy": "Ա", "name_en": "A", "name_ru": "А"},
    )
    assert refused.status_code == 403
    with schema_context(alpha.schema_name):
        assert not Holiday.objects.filter(date=D(2026, 10, 12)).exists()
    editor = signed_in(client_for, alpha, "editor@calendar.test", "editor")
    assert editor.get("/staff/workcalendar/").status_code == 403
