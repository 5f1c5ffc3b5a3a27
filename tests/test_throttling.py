"""Rate limits and the honeypot: the request after the limit gets 429 with Retry-After and a
page in the visitor's language (JSON on the APIs); counters are per municipality, per address,
per user name and per API key; a filled honeypot stores nothing."""

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext
from django_tenants.utils import schema_context

from hamaynk import honeypot, throttle
from tenants.cases import workflow
from tenants.cases.models import Case, PendingApplication
from tenants.catalogue.models import Service
from tests.conftest import provision_ok
from tests.registers_helpers import staff_user

RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": "Կենտրոն, Բաղրամյան, 11, 4",
    "purpose": "Բանկ",
}
APPLICATION = {
    "applicant_name": "Նարե Սարգսյան",
    "applicant_email": "nare@example.am",
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "purpose": "Բանկ",
    "address_0": "Կենտրոն",
    "address_1": "Բաղրամյան",
    "address_2": "11",
    "address_3": "",
}


@pytest.fixture(scope="module")
def town():
    return provision_ok()


@pytest.fixture
def rates(settings):
    """Sets some rates low for one test; the others keep their configured values."""

    def set_rates(**low):
        settings.THROTTLE_RATES = {**django_settings.THROTTLE_RATES, **low}

    return set_rates


def a_case(municipality):
    with schema_context(municipality.schema_name):
        return workflow.submit(
            Service.objects.get(code="residence_certificate"),
            RESIDENCE,
            applicant={"name": "Անի Պետրոսյան"},
            channel=Case.Channel.WINDOW,
        )


def assert_refused_page(response, language):
    """429, a Retry-After within the window, and the page in the language asked for, through the
    site's chrome (the municipality's name in the header)."""
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 3600
    page = response.content.decode()
    with translation.override(language):
        title, explanation = (
            gettext("Too many requests"),
            gettext(
                "This site has received more requests of this kind from your connection than it accepts in a short "
                "time, so your last request was not processed."
            ),
        )
    assert f'<html lang="{language}">' in page
    assert f"<h1>{title}</h1>" in page and explanation in page
    assert re.search(r"\b\d\d:\d\d\b", page), "the time to try again is shown"
    return page


# Rates ----------------------------------------------------------------------------------------


def test_rates_are_read_as_count_per_period():
    assert throttle.parse_rate("60/10m") == throttle.Rate(60, 600)
    assert throttle.parse_rate(" 20 / h ") == throttle.Rate(20, 3600)
    assert throttle.parse_rate("5/s") == throttle.Rate(5, 1)
    assert throttle.parse_rate("1000/d") == throttle.Rate(1000, 86400)
    assert throttle.parse_rate("off") is None
    for bad in ("60", "60/x", "ten/m", "60/0m", "/m", ""):
        with pytest.raises(ImproperlyConfigured):
            throttle.parse_rate(bad)


def test_every_scope_has_a_valid_default_rate():
    for scope in (
        "applications",
        "confirmations",
        "tracking",
        "verification",
        "downloads",
        "sign_in_address",
        "sign_in_user",
        "api_key",
    ):
        rate = throttle.rate_of(scope)
        assert rate is not None and rate.limit >= 20, scope


def test_the_window_ends_when_retry_after_says(rates):
    rates(tracking="2/m")
    with schema_context("public"):
        throttle.hit("tracking", "address:x", now=120.0)
        throttle.hit("tracking", "address:x", now=150.0)
        with pytest.raises(throttle.Throttled) as refused:
            throttle.hit("tracking", "address:x", now=170.2)
        assert refused.value.retry_after == 10  # 180 - 170.2, rounded up
        throttle.hit("tracking", "address:x", now=180.0)  # a new window


def test_counter_keys_carry_the_municipality_and_no_address(alpha, beta):
    from django.core.cache import cache

    with schema_context(alpha.schema_name):
        alpha_key = cache.make_key("throttle:tracking:abc:1")
    with schema_context(beta.schema_name):
        beta_key = cache.make_key("throttle:tracking:abc:1")
    assert alpha_key != beta_key
    assert str(alpha.uuid) in alpha_key or alpha.schema_name in alpha_key
    assert str(beta.uuid) in beta_key or beta.schema_name in beta_key


# Pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["hy", "en", "ru"])
def test_the_lookup_after_the_limit_gets_429_in_the_visitors_language(town, client_for, rates, language):
    rates(tracking="3/h")
    visitor = client_for(town.primary_host)
    for _ in range(3):
        assert visitor.get("/track/", {"code": "AAAA-BBBB-CCCC"}, HTTP_ACCEPT_LANGUAGE=language).status_code == 200
    assert visitor.get("/track/", HTTP_ACCEPT_LANGUAGE=language).status_code == 200  # the empty form is free
    page = assert_refused_page(
        visitor.get("/track/", {"code": "AAAA-BBBB-CCCC"}, HTTP_ACCEPT_LANGUAGE=language), language
    )
    with schema_context(town.schema_name):
        from tenants.profile.models import MunicipalProfile

        assert MunicipalProfile.objects.first().name in page  # the site's own chrome


def test_another_address_is_counted_apart(town, client_for, rates):
    rates(verification="2/h")
    first, second = client_for(town.primary_host), client_for(town.primary_host)
    for _ in range(2):
        assert first.get("/verify/", {"code": "X"}, REMOTE_ADDR="10.0.0.1").status_code == 200
    assert first.get("/verify/", {"code": "X"}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert second.get("/verify/", {"code": "X"}, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_flood_on_alpha_never_throttles_beta(alpha, beta, client_for, rates):
    rates(tracking="2/h", downloads="2/h")
    on_alpha, on_beta = client_for(alpha.primary_host), client_for(beta.primary_host)
    for _ in range(2):
        on_alpha.get("/track/", {"code": "AAAA"})
        on_alpha.get("/track/document.pdf", {"code": "AAAA"})
    assert on_alpha.get("/track/", {"code": "AAAA"}).status_code == 429
    assert on_alpha.get("/track/document.pdf", {"code": "AAAA"}).status_code == 429
    assert on_beta.get("/track/", {"code": "AAAA"}).status_code == 200
    assert on_beta.get("/track/document.pdf", {"code": "AAAA"}).status_code == 404  # served, not refused


def test_downloads_of_documents_and_files_are_limited(town, client_for, rates):
    rates(downloads="3/h")
    visitor = client_for(town.primary_host)
    answers = [
        visitor.get("/track/document.pdf", {"code": "NONE"}).status_code,
        visitor.get("/documents/999999/missing.pdf").status_code,
        visitor.get("/registers/council_decisions/00000000-0000-0000-0000-000000000000/file/attachment").status_code,
    ]
    assert answers == [404, 404, 404]
    assert_refused_page(visitor.get("/documents/999999/missing.pdf", HTTP_ACCEPT_LANGUAGE="en"), "en")


def test_online_applications_are_limited_and_a_refused_one_stores_nothing(town, client_for, rates):
    rates(applications="2/h")
    citizen = client_for(town.primary_host)
    with schema_context(town.schema_name):
        before = PendingApplication.objects.count()
    assert citizen.get("/apply/residence_certificate/").status_code == 200  # reading the form is free
    for _ in range(2):
        assert citizen.post("/apply/residence_certificate/", APPLICATION).status_code == 200
    mail.outbox.clear()
    assert_refused_page(citizen.post("/apply/residence_certificate/", APPLICATION, HTTP_ACCEPT_LANGUAGE="ru"), "ru")
    with schema_context(town.schema_name):
        assert PendingApplication.objects.count() == before + 2
    assert mail.outbox == []


def test_email_confirmation_links_are_limited(town, client_for, rates):
    rates(confirmations="2/h")
    citizen = client_for(town.primary_host)
    for _ in range(2):
        assert citizen.get("/apply/confirm/not-a-token/").status_code == 404
    assert citizen.get("/apply/confirm/not-a-token/").status_code == 429


# Sign-in --------------------------------------------------------------------------------------


def test_staff_sign_in_is_limited_per_user_name_and_per_address(client_for, rates):
    town = provision_ok()
    staff_user(town, "busy@throttle.test", "secretary", password="right-password-1")
    rates(sign_in_user="3/h", sign_in_address="5/h")
    client = client_for(town.primary_host)
    assert client.get("/staff/login/").status_code == 200  # showing the form is free
    for _ in range(3):
        assert client.post("/staff/login/", {"username": "Busy@throttle.test", "password": "x"}).status_code == 200
    refused = client.post(
        "/staff/login/", {"username": "busy@throttle.test", "password": "right-password-1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert_refused_page(refused, "en")
    # Another user name from the same address still may, until the address has used its five.
    assert client.post("/staff/login/", {"username": "other@throttle.test", "password": "x"}).status_code == 200
    assert client.post("/staff/login/", {"username": "third@throttle.test", "password": "x"}).status_code == 429
    # From another address, the user name is still over its limit; a new one is not.
    assert (
        client.post(
            "/staff/login/", {"username": "busy@throttle.test", "password": "x"}, REMOTE_ADDR="10.9.9.9"
        ).status_code
        == 429
    )
    assert (
        client.post(
            "/staff/login/", {"username": "fourth@throttle.test", "password": "x"}, REMOTE_ADDR="10.9.9.9"
        ).status_code
        == 200
    )


def test_console_sign_in_is_limited(client_for, rates):
    rates(sign_in_user="2/h")
    console = client_for("localhost")
    for _ in range(2):
        assert console.post("/console/login/", {"username": "nobody-here", "password": "x"}).status_code == 200
    refused = console.post("/console/login/", {"username": "nobody-here", "password": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert gettext("Too many requests") in refused.content.decode()


# APIs -----------------------------------------------------------------------------------------


def test_each_api_key_has_its_own_limit_on_both_apis(town, alpha, client_for, rates):
    from tenants.registers import apikeys

    rates(api_key="3/m")
    with schema_context(town.schema_name):
        busy = apikeys.issue_key("busy")[1]
        calm = apikeys.issue_key("calm")[1]
    with schema_context(alpha.schema_name):
        elsewhere = apikeys.issue_key("alpha's")[1]
    client = client_for(town.primary_host)
    mediator = {"Information-Mediator-Client": "AM/GOV/1/test"}

    def registers(key, host_client=client):
        return host_client.get("/api/dr/data/council_decisions/1", headers={"Authorization": key, **mediator})

    def registration(key):
        return client.get("/api/registration/services", headers={"Authorization": key})

    assert [registers(busy).status_code, registration(busy).status_code, registers(busy).status_code] == [200] * 3
    for refused in (registers(busy), registration(busy)):
        assert refused.status_code == 429 and refused["Content-Type"].startswith("application/json")
        assert 1 <= int(refused["Retry-After"]) <= 60
        assert refused.json() == {
            "detail": gettext(
                "Too many requests with this API key. Try again after the "
                "number of seconds given in the Retry-After header."
            )
        }
    assert registers(calm).status_code == 200
    assert registers(elsewhere, client_for(alpha.primary_host)).status_code == 200
    # Without a valid key there is nothing to count: 401 as before, not 429.
    assert registers("hmk_nothing_here").status_code == 401


# Honeypot -------------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(town, client_for):
    from django.contrib.staticfiles import finders

    css = open(finders.find("hamaynk/site.css"), encoding="utf-8").read()
    style = css[css.index(".honeypot {") :].split("}", 1)[0]
    visitor = client_for(town.primary_host)
    for url in ("/apply/residence_certificate/", "/track/", "/verify/"):
        page = visitor.get(url).content.decode()
        found = re.search(
            r'<div class="honeypot" aria-hidden="true"><label for="([^"]+)">[^<]+'
            r'</label><input type="text" id="([^"]+)" name="([^"]+)" value="" tabindex="-1" '
            r'autocomplete="off"></div>',
            page,
        )
        assert found, url
        label_for, field_id, name = found.groups()
        assert name == honeypot.FIELD and label_for == field_id
        # Moved off-screen by the style sheet (no style attributes under the Content-Security-Policy),
        # never display:none, which some robots notice.
        assert "left: -10000px" in style and "display:none" not in style.replace(" ", "")
        # Inside the form that is sent.
        form = page[page.rindex("<form", 0, found.start()) : page.index("</form>", found.end())]
        assert 'method="' in form


def test_a_filled_honeypot_on_the_application_stores_and_sends_nothing(town, client_for):
    mail.outbox.clear()
    robot = client_for(town.primary_host)
    with schema_context(town.schema_name):
        pending, cases = PendingApplication.objects.count(), Case.objects.count()
    answer = robot.post("/apply/residence_certificate/", {**APPLICATION, honeypot.FIELD: "http://spam.example"})
    assert answer.status_code == 200 and "nare@example.am" in answer.content.decode()  # looks accepted
    with schema_context(town.schema_name):
        assert PendingApplication.objects.count() == pending and Case.objects.count() == cases
    assert mail.outbox == []
    # The same form without it is taken.
    assert robot.post("/apply/residence_certificate/", APPLICATION).status_code == 200
    with schema_context(town.schema_name):
        assert PendingApplication.objects.count() == pending + 1


def test_a_filled_honeypot_on_the_lookups_finds_nothing(town, client_for):
    case = a_case(town)
    visitor = client_for(town.primary_host)
    found = visitor.get("/track/", {"code": case.tracking_code}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert case.reg_number in found
    robot = visitor.get(
        "/track/", {"code": case.tracking_code, honeypot.FIELD: "x"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert case.reg_number not in robot and "No application has this tracking code" in robot
    robot = visitor.get("/verify/", {"code": "ANY-CODE", honeypot.FIELD: "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert robot.status_code == 200 and 'id="not-valid"' in robot.content.decode()
