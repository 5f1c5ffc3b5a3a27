"""The provisioning pipeline: happy path, bad input, a failure in a middle step and the retry."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from hamaynk.tenancy.models import Domain, Municipality
from provisioning.models import ProvisioningRun, ProvisioningStep
from provisioning.pipeline import STEPS, AlreadyProvisioned, RequestInvalid, execute, provision, submit
from tenants.accounts.models import Role
from tenants.profile.models import Department, MunicipalProfile, Settlement, WorkingHours
from tenants.workcalendar.calendar import WorkingCalendar
from tenants.workcalendar.models import Holiday
from tests.conftest import make_request, provision_ok


def test_happy_path_creates_a_complete_municipality(client_for):
    mail.outbox.clear()
    run = provision(make_request("happy", names={"hy": "Ուրախ", "en": "Happy", "ru": "Весёлый"}))
    assert run.state == ProvisioningRun.State.DONE
    steps = list(run.steps.all())
    assert [s.name for s in steps] == list(STEPS)
    assert all(s.state == ProvisioningStep.State.DONE and s.duration_ms is not None for s in steps)

    municipality = Municipality.objects.get(slug="happy")
    assert municipality.status == Municipality.Status.ACTIVE
    assert municipality.template_version == "1.0.0"
    assert municipality.schema_name == f"m_{municipality.uuid.hex}"
    assert Domain.objects.get(tenant=municipality).domain == "happy.localhost"

    with schema_context(municipality.schema_name):
        assert MunicipalProfile.objects.get().name_en == "Happy"
        assert Role.objects.filter(is_administrator=True).count() == 1
        assert Role.objects.count() >= 5
        assert Department.objects.filter(code="citizen_service_office").exists()
        assert WorkingHours.objects.count() == 5
        assert list(Settlement.objects.values_list("name_en", flat=True)) == ["Kentron", "Gyugh"]
        assert not WorkingCalendar.load().is_working_day(datetime.date(2026, 9, 21))  # national
        assert not Holiday.objects.exists()  # the template adds no day of its own
        admin = get_user_model().objects.get(username="admin@happy.test")
        assert not admin.has_usable_password()
        assert admin.has_perm("municipal_profile.change_municipalprofile")

    # The first administrator got the one-time link by email; it works once.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin@happy.test"]
    link = run.municipality.provisioning_runs.first().admin_link
    assert link in mail.outbox[0].body
    path = urlsplit(link).path
    client = client_for("happy.localhost")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Ardzakh-2026!x", "new_password2": "Ardzakh-2026!x"})
    assert done.status_code == 302
    assert client_for("happy.localhost").get(path, follow=True).context["validlink"] is False
    signed_in = client_for("happy.localhost")
    response = signed_in.post("/staff/login/", {"username": "admin@happy.test", "password": "Ardzakh-2026!x"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"slug": "Aparan"}, "slug"),
        ({"slug": "-bad"}, "slug"),
        ({"slug": "bad-"}, "slug"),
        ({"slug": "a"}, "slug"),
        ({"slug": "two--hyphens"}, "slug"),
        ({"slug": "www"}, "slug"),
        ({"slug": "admin"}, "slug"),
        ({"slug": "public"}, "slug"),
        ({"slug": "api"}, "slug"),
        ({"slug": "ապարան"}, "slug"),
        ({"names": {"hy": "Ա", "en": "", "ru": "Б"}}, "name_en"),
        ({"region": "atlantis"}, "region"),
        ({"admin_email": "not-an-address"}, "admin_email"),
        ({"template": "no-such-template"}, "template"),
        ({"settlements": [{"hy": "Ա", "en": "A", "ru": "А"}, {"hy": "Ա", "en": "A", "ru": "А"}]}, "settlements"),
        ({"extra_domains": ["not a domain"]}, "extra_domains"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_creates_nothing(overrides, field):
    before = (Municipality.objects.count(), ProvisioningRun.objects.count())
    with pytest.raises(RequestInvalid) as caught:
        submit(make_request(**overrides))
    assert field in caught.value.errors and caught.value.errors[field][0]
    assert (Municipality.objects.count(), ProvisioningRun.objects.count()) == before


def test_a_taken_slug_is_refused(alpha):
    with pytest.raises(AlreadyProvisioned):
        submit(make_request("alpha"))
    errors = make_request("alpha").errors()
    assert "already taken" in errors["slug"][0]


def test_a_failure_in_a_middle_step_leaves_nothing_visible_and_a_retry_finishes(client_for):
    def broken_load(data, context):
        raise RuntimeError("calendar storage is on fire")

    from hamaynk.modules import get_module

    module = get_module("workcalendar")
    original = module.load_section
    object.__setattr__(module, "load_section", broken_load)
    try:
        run = provision(make_request("phoenix"))
    finally:
        object.__setattr__(module, "load_section", original)

    assert run.state == ProvisioningRun.State.FAILED
    assert "load_sections" in run.error and "calendar storage is on fire" in run.error
    states = {s.name: s.state for s in run.steps.all()}
    assert states == {
        "validate": "done",
        "create_schema": "done",
        "load_sections": "failed",
        "create_administrator": "pending",
        "activate": "pending",
    }
    municipality = Municipality.objects.get(slug="phoenix")
    assert municipality.status == Municipality.Status.PROVISIONING
    assert not Domain.objects.filter(tenant=municipality).exists()
    assert client_for("phoenix.localhost").get("/").status_code == 404
    # The failed step's work was rolled back: no half-loaded sections in the schema.
    with schema_context(municipality.schema_name):
        assert not Role.objects.exists() and not MunicipalProfile.objects.exists()

    # Running it again finishes the job (the CLI does the same: `hamaynk provision` again).
    run = provision(make_request("phoenix"))
    assert run.state == ProvisioningRun.State.DONE and run.attempts == 2
    municipality.refresh_from_db()
    assert municipality.status == Municipality.Status.ACTIVE
    assert client_for("phoenix.localhost").get("/").status_code == 200


def test_a_failure_in_the_schema_step_is_retried_from_a_clean_schema(monkeypatch):
    from provisioning import golden, pipeline

    calls = []

    def flaky_clone(schema_name, golden_record=None):
        calls.append(schema_name)
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema_name}"')  # half done, then the failure
        raise ConnectionError("database went away")

    monkeypatch.setattr(golden, "clone_into", flaky_clone)
    run = provision(make_request("flaky"))
    assert run.state == ProvisioningRun.State.FAILED
    assert not schema_exists(run.municipality.schema_name)  # the transaction was rolled back
    monkeypatch.undo()
    run = execute(run)
    assert run.state == ProvisioningRun.State.DONE
    assert calls and pipeline.golden.clone_into is golden.clone_into


def test_running_it_again_on_an_active_municipality_changes_nothing(alpha):
    with pytest.raises(AlreadyProvisioned):
        provision(make_request("alpha"))


def test_provisioning_is_fast_enough_to_feel_instant():
    municipality = provision_ok()
    run = municipality.provisioning_runs.first()
    # The benchmark measures this properly; here only a gross regression (migrations replayed
    # instead of the golden copy) would trip it.
    assert run.duration < 10
