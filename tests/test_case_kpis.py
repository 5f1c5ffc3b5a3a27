"""Key figures of the cases: counts, working-day medians and 90th percentiles, overdue and
online shares per service and month, the staff page with its SVG chart, the CSV, the ministry's
statistics and isolation between municipalities."""

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.cases import kpis, stats, workflow
from tenants.cases.models import Case
from tenants.catalogue.models import Service
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in

YEREVAN = ZoneInfo("Asia/Yerevan")
D = datetime.date
RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": "Կենտրոն, Բաղրամյան, 11, 4",
    "purpose": "Բանկ",
}
REQUEST = {"full_name": "Անի Պետրոսյան", "subject": "Լույս", "text": "Փողոցի լույսը"}
# Without email or phone: no notification is queued for test data.
APPLICANT = {"name": "Անի Պետրոսյան"}


def at(day, hour=10, minute=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=YEREVAN)


def make_case(code, channel, submitted, *, closed=None, due, paused_days=0, paused_since=None):
    """A case submitted (Yerevan time) and closed at the given moments, with its due date."""
    service = Service.objects.get(code=code)
    form = RESIDENCE if code == "residence_certificate" else REQUEST
    case = workflow.submit(service, form, applicant=APPLICANT, channel=channel, now=submitted)
    Case.objects.filter(pk=case.pk).update(
        closed_at=closed, due_date=due, paused_days=paused_days, paused_since=paused_since
    )
    return case


@pytest.fixture(scope="module")
def town():
    """March 2025 (1 March is a Saturday), with known processing times in working days."""
    town = provision_ok()
    with schema_context(town.schema_name):
        # Residence certificates: 2, 3 (5 minus 2 paused), 1 (over the weekend) and 10 working days.
        make_case(
            "residence_certificate", "online", at(D(2025, 3, 3)), closed=at(D(2025, 3, 5), 16), due=D(2025, 3, 4)
        )  # late
        make_case(
            "residence_certificate",
            "window",
            at(D(2025, 3, 3)),
            closed=at(D(2025, 3, 10), 9),
            due=D(2025, 3, 20),
            paused_days=2,
        )
        make_case(
            "residence_certificate", "online", at(D(2025, 3, 7)), closed=at(D(2025, 3, 10), 18), due=D(2025, 3, 10)
        )  # on its due date: not late
        make_case(
            "residence_certificate", "window", at(D(2025, 3, 11)), closed=at(D(2025, 3, 25)), due=D(2025, 3, 12)
        )  # late
        make_case("residence_certificate", "online", at(D(2025, 3, 31), 9), due=D(2025, 4, 1))  # open, late
        # 00:30 on 1 April in Yerevan (20:30 UTC on 31 March): an April case, waiting for the applicant.
        make_case(
            "residence_certificate", "online", at(D(2025, 4, 1), 0, 30), due=D(2025, 4, 2), paused_since=D(2025, 4, 1)
        )
        # 28 January is Army Day: Monday 27 → Wednesday 29 is one working day.
        make_case("residence_certificate", "window", at(D(2025, 1, 27)), closed=at(D(2025, 1, 29)), due=D(2025, 1, 29))
        make_case("mayor_request", "window", at(D(2025, 3, 5)), closed=at(D(2025, 3, 7)), due=D(2025, 3, 20))
    return town


def ids(town):
    with schema_context(town.schema_name):
        return {code: Service.objects.get(code=code).pk for code in ("residence_certificate", "mayor_request")}


def by_key(rows):
    return {(f.period, f.service_id): f for f in rows}


def test_monthly_figures_per_service_and_for_all(town):
    services = ids(town)
    with schema_context(town.schema_name):
        ordered = kpis.figures(D(2025, 1, 1), D(2026, 1, 1), today=D(2025, 6, 1))
    rows = by_key(ordered)
    residence = rows[(D(2025, 3, 1), services["residence_certificate"])]
    assert (residence.applications, residence.closed) == (5, 4)
    assert residence.median_days == 2.5  # 1, 2, 3, 10
    assert residence.p90_days == pytest.approx(7.9)  # 3 + 0.7 × (10 − 3)
    assert (residence.overdue, residence.overdue_share) == (3, 0.6)
    assert (residence.online, residence.online_share) == (3, 0.6)

    march = rows[(D(2025, 3, 1), None)]
    assert (march.applications, march.closed) == (6, 5)
    assert march.median_days == 2.0  # 1, 2, 2, 3, 10
    assert march.p90_days == pytest.approx(7.2)  # 3 + 0.6 × (10 − 3)
    assert (march.overdue_share, march.online_share) == (0.5, 0.5)
    assert rows[(D(2025, 3, 1), services["mayor_request"])].median_days == 2.0

    april = rows[(D(2025, 4, 1), None)]
    assert (april.applications, april.closed, april.median_days, april.p90_days) == (1, 0, None, None)
    assert (april.overdue, april.online_share) == (0, 1.0)  # paused: its due date moves, it is not late
    assert rows[(D(2025, 1, 1), None)].median_days == 1.0
    first, second = ordered[:2]  # by period, all services first
    assert (first.period, first.service_id, second.service_id) == (
        D(2025, 1, 1),
        None,
        services["residence_certificate"],
    )


def test_other_periods_and_a_narrowed_selection(town):
    services = ids(town)
    with schema_context(town.schema_name):
        weeks = by_key(kpis.figures(D(2025, 3, 1), D(2025, 4, 1), period="week"))
        whole = kpis.total(D(2025, 3, 1), D(2025, 4, 1))
        online = kpis.figures(D(2025, 3, 1), D(2025, 4, 1), period=None, cases=Case.objects.filter(channel="online"))
        empty = kpis.total(D(2024, 1, 1), D(2025, 1, 1))
    assert weeks[(D(2025, 3, 3), None)].applications == 4  # Monday 3 March to Sunday 9 March
    assert weeks[(D(2025, 3, 3), services["mayor_request"])].applications == 1
    assert (whole.period, whole.applications, whole.median_days) == (D(2025, 3, 1), 6, 2.0)
    assert [(f.service_id, f.applications, f.median_days) for f in online] == [
        (None, 3, 1.5),
        (services["residence_certificate"], 3, 1.5),
    ]
    assert (empty.applications, empty.median_days, empty.overdue_share) == (0, None, None)


def test_the_staff_page_draws_the_chart_and_the_table(town, client_for):
    services = ids(town)
    specialist = signed_in(client_for, town, "kpi@cases.test", "specialist")
    response = specialist.get("/staff/cases/kpis/", {"year": "2025"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    # Drawn on the server: the page's only script is the site's static file, which it does not need.
    assert '<svg id="kpi-chart"' in page and re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/hamaynk/site.js" defer>'
    ]
    assert page.count('class="bar-median"') == 2 and page.count('class="bar-p90"') == 2  # January, March
    assert "Key figures" in page and "All services" in page and "Certificate of residence" in page
    rows = response.context["rows"]
    march = next(r for r in rows if r["figures"].period == D(2025, 3, 1) and r["service"] is None)
    assert march["overdue_percent"] == 50 and march["figures"].p90_days == pytest.approx(7.2)
    assert ">7.9<" in page and ">2.5<" in page and ">60%<" in page

    one = specialist.get("/staff/cases/kpis/", {"year": "2025", "service": "mayor_request"})
    assert [(r["figures"].period, r["figures"].service_id) for r in one.context["rows"]] == [
        (D(2025, 3, 1), services["mayor_request"])
    ]
    assert client_for(town.primary_host).get("/staff/cases/kpis/").status_code == 302  # signed out
    with schema_context(town.schema_name):
        get_user_model().objects.create_user("no-role@cases.test", password="staff-password-1")
    roleless = client_for(town.primary_host)
    roleless.post("/staff/login/", {"username": "no-role@cases.test", "password": "staff-password-1"})
    assert roleless.get("/staff/cases/kpis/").status_code == 403
    assert roleless.get("/staff/cases/kpis.csv").status_code == 403
    inbox = specialist.get("/staff/cases/").content.decode()
    assert 'href="/staff/cases/kpis/"' in inbox


def test_the_csv_has_the_same_figures(town, client_for):
    specialist = signed_in(client_for, town, "kpi-csv@cases.test", "specialist")
    response = specialist.get("/staff/cases/kpis.csv", {"year": "2025"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kpis-2025.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Month", "Service code", "Service", "Applications", "Closed"]
    table = {(r[0], r[1]): r[3:] for r in rows[1:]}
    assert table[("2025-03", "residence_certificate")] == ["5", "4", "2.5", "7.9", "0.6", "0.6"]
    assert table[("2025-03", "")] == ["6", "5", "2", "7.2", "0.5", "0.5"]
    assert table[("2025-04", "")] == ["1", "0", "", "", "0", "1"]
    assert len(rows) == 1 + 2 + 3 + 2  # header; January, March and April with their services


def test_the_ministry_sees_this_months_figures(town):
    with schema_context(town.schema_name):
        before = stats.collect()
        now = timezone.now()
        make_case("residence_certificate", "online", now, closed=now, due=timezone.localdate())
        make_case("mayor_request", "window", now, due=timezone.localdate() + datetime.timedelta(days=30))
        figures = stats.collect()
    assert {"open", "overdue", "submitted_this_year"} <= set(figures)
    assert figures["month_applications"] == before["month_applications"] + 2 == 2
    assert figures["month_median_working_days"] == 0.0
    assert (figures["month_overdue_share"], figures["month_online_share"]) == (0.0, 0.5)


def test_one_municipalitys_figures_never_include_anothers(town, alpha):
    with schema_context(alpha.schema_name):
        make_case("residence_certificate", "online", at(D(2025, 3, 12)), closed=at(D(2025, 3, 28)), due=D(2025, 3, 13))
        theirs = kpis.total(D(2025, 3, 1), D(2025, 4, 1))
    with schema_context(town.schema_name):
        ours = kpis.total(D(2025, 3, 1), D(2025, 4, 1))
    assert (ours.applications, ours.median_days) == (6, 2.0)
    assert (theirs.applications, theirs.median_days) == (1, 12.0)
