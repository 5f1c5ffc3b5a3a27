"""The back office inbox opens on what needs the person's action (theirs and the unassigned ones
of their departments), overdue first; the staff dashboard counts open applications by state in
one query; one municipality's counts and inbox never include another's applications."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenants.cases import inbox, workflow
from tenants.cases.models import Case
from tenants.catalogue.models import Service
from tenants.profile.models import Department
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in, staff_user

RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": "Կենտրոն, Բաղրամյան, 11, 4",
    "purpose": "Բանկ",
}
REQUEST = {"full_name": "Անի Պետրոսյան", "subject": "Լույս", "text": "Փողոցի լույսը"}


def applicant(name):
    return {"name": name, "email": "", "phone": "", "language": "hy"}


def submit(code, name, *, due=None, assigned_to=None, department="keep", paused=None):
    service = Service.objects.get(code=code)
    data = RESIDENCE if code == "residence_certificate" else REQUEST
    case = workflow.submit(service, data, applicant=applicant(name), channel="window")
    changes = {"assigned_to": assigned_to, "paused_since": paused}
    if due is not None:
        changes["due_date"] = due
    if department != "keep":
        changes["department"] = department
    Case.objects.filter(pk=case.pk).update(**changes)
    return case


@pytest.fixture(scope="module")
def town():
    """A clerk of the Citizen Service Office and the applications around them."""
    town = provision_ok()
    clerk = staff_user(town, "clerk@inbox.test", "front_office")
    other = staff_user(town, "other@inbox.test", "specialist")
    staff_user(town, "nodept@inbox.test", "front_office")
    today = datetime.date.today()
    with schema_context(town.schema_name):
        Department.objects.get(code="citizen_service_office").members.add(clerk)
        # residence_certificate is the Citizen Service Office's, mayor_request the Secretariat's.
        submit("residence_certificate", "Իմը", due=today + datetime.timedelta(days=5), assigned_to=clerk)
        submit("residence_certificate", "Ուշացած", due=today - datetime.timedelta(days=3))
        submit("residence_certificate", "Ուշացած-հին", due=today - datetime.timedelta(days=9))
        submit(
            "residence_certificate",
            "Սպասում-է",
            due=today - datetime.timedelta(days=30),
            paused=today - datetime.timedelta(days=31),
        )
        submit("residence_certificate", "Անբաժին", due=today + datetime.timedelta(days=1), department=None)
        submit("mayor_request", "Քարտուղարության", due=today - datetime.timedelta(days=20))
        submit("residence_certificate", "Ուրիշինը", due=today - datetime.timedelta(days=40), assigned_to=other)
    return town


def names(response):
    return [case.applicant_name for case, _status in response.context["rows"]]


def test_the_inbox_opens_on_what_needs_my_action_overdue_first(town, client_for):
    clerk = signed_in(client_for, town, "clerk@inbox.test", "front_office")
    response = clerk.get("/staff/cases/")
    assert response.context["scope"] == inbox.DEFAULT_SCOPE == "action"
    # Mine and the unassigned ones of my department and of none; overdue first (the oldest
    # first), then by due date; a paused one is never counted as overdue.
    assert names(response) == ["Ուշացած-հին", "Ուշացած", "Սպասում-է", "Անբաժին", "Իմը"]
    page = response.content.decode()
    assert 'aria-current="page"' in page and 'data-scope="all"' in page and 'data-scope="mine"' in page
    assert 'class="due-overdue"' in page and 'class="overdue-count"' in page
    assert response.context["overdue"] == 2
    # The other views are one click away.
    assert names(clerk.get("/staff/cases/", {"scope": "mine"})) == ["Իմը"]
    unassigned = names(clerk.get("/staff/cases/", {"scope": "unassigned"}))
    assert "Քարտուղարության" in unassigned and "Ուրիշինը" not in unassigned
    everything = names(clerk.get("/staff/cases/", {"scope": "all"}))
    assert everything[0] == "Ուրիշինը" and len(everything) == 7
    # An unknown scope is the default one.
    assert clerk.get("/staff/cases/", {"scope": "nonsense"}).context["scope"] == "action"


def test_someone_in_no_department_sees_every_unassigned_application(town, client_for):
    person = signed_in(client_for, town, "nodept@inbox.test", "front_office")
    response = person.get("/staff/cases/")
    assert set(names(response)) == {"Ուշացած-հին", "Ուշացած", "Սպասում-է", "Անբաժին", "Քարտուղարության"}
    assert "you are in no department" in person.get("/staff/cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_empty_inbox_says_which_view_is_shown_and_offers_the_wider_one(town, client_for):
    other = signed_in(client_for, town, "other@inbox.test", "specialist")
    response = other.get("/staff/cases/", {"scope": "mine", "service": "mayor_request"}, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.context["rows"] == []
    assert "No applications in “Assigned to me” with these filters." in page
    assert 'id="widen-filters" href="?scope=mine"' in page or 'href="?scope=mine" id="widen-filters"' in page
    assert 'href="?scope=all" id="widen-scope"' in page
    page = other.get("/staff/cases/", {"scope": "all", "service": "mayor_request", "due": "due_soon"}).content.decode()
    assert 'id="widen-scope"' not in page and 'id="widen-filters"' in page


def test_the_dashboard_counts_open_applications_in_one_query(town, client_for):
    with schema_context(town.schema_name):
        clerk = get_user_model().objects.get(username="clerk@inbox.test")
        with CaptureQueriesContext(connection) as queries:
            rows = inbox.counts(clerk)
        counting = [q for q in queries.captured_queries if "cases_case" in q["sql"]]
        assert len(counting) == 1 and "FILTER (WHERE" in counting[0]["sql"]
        summary = inbox.summary(clerk)
    assert sum(row["total"] for row in rows) == 7
    assert summary["totals"]["total"] == 7
    assert summary["totals"]["overdue"] == 4  # the paused one is not
    assert summary["totals"]["paused"] == 1
    assert summary["totals"]["due_soon"] == 1
    assert summary["totals"]["action"] == 5 and summary["totals"]["action_overdue"] == 2
    assert [(s["code"], s["total"], s["overdue"]) for s in summary["states"]] == [("submitted", 7, 4)]

    dashboard = signed_in(client_for, town, "clerk@inbox.test", "front_office")
    page = dashboard.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<div data-count="action">' in page and "<dd>5</dd>" in page
    assert '<div data-count="overdue" class="figure-bad">' in page
    assert 'data-state="submitted"' in page and "Submitted" in page


def test_the_dashboard_shows_no_counts_to_staff_who_may_not_read_applications(town, client_for):
    from django.contrib.auth.models import Group

    with schema_context(town.schema_name):
        role = Group.objects.filter(role__isnull=False).exclude(permissions__codename="view_case").first()
    if role is None:
        pytest.fail("the template has no role without access to applications")
    person = signed_in(client_for, town, "no-cases@inbox.test", role.name)
    page = person.get("/staff/").content.decode()
    assert 'id="cases-counts"' not in page


def test_counts_and_inbox_of_one_municipality_never_include_anothers(town, client_for):
    """Another municipality's clerk, in a department of the same code, with applications of
    its own: each sees only its own, in the inbox and in the counts."""
    neighbour = provision_ok()
    clerk = staff_user(neighbour, "clerk@inbox.test", "front_office")
    with schema_context(neighbour.schema_name):
        Department.objects.get(code="citizen_service_office").members.add(clerk)
        submit("residence_certificate", "Հարևանի", due=datetime.date.today() - datetime.timedelta(days=2))
        submit("residence_certificate", "Հարևանի-իմը", assigned_to=clerk)

    here = signed_in(client_for, town, "clerk@inbox.test", "front_office")
    there = signed_in(client_for, neighbour, "clerk@inbox.test", "front_office")
    for scope in inbox.SCOPES:
        mine = names(here.get("/staff/cases/", {"scope": scope}))
        theirs = names(there.get("/staff/cases/", {"scope": scope}))
        assert not {"Հարևանի", "Հարևանի-իմը"} & set(mine), scope
        assert set(theirs) <= {"Հարևանի", "Հարևանի-իմը"}, scope
    assert names(there.get("/staff/cases/")) == ["Հարևանի", "Հարևանի-իմը"]
    here_page = here.get("/staff/").content.decode()
    there_page = there.get("/staff/").content.decode()
    assert shown(here_page, "total") == 7 and shown(here_page, "action") == 5
    assert (shown(there_page, "total"), shown(there_page, "overdue"), shown(there_page, "action")) == (2, 1, 2)
    assert "Հարևանի" not in here_page and "Հարևանի" not in there_page  # counts only, never names


def shown(page, count):
    found = re.search(rf'<div data-count="{count}"[^>]*>.*?<dd>(\d+)</dd>', page, re.S)
    return int(found.group(1))
