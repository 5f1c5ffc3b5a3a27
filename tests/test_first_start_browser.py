"""What people see on a first visit, in Chromium and in Armenian, on a phone (375 px) and a desktop
(1280 px): a signed-out visitor of a staff page sent to sign in and back; the styled 403 page of a
signed-in person without the permission and the styled page of a form sent without its security
token; the tracking and verification inputs sized like the forms' inputs; one colour for every
"Apply online"; the statistics chart with its axis and unit; the pages of an unknown host, a site
still being set up and a suspended one. axe-core finds no serious violation on any of them, nothing
is wider than the screen and the Content-Security-Policy refuses nothing (the helpers of
test_journeys_browser); with HAMAYNK_SCREENSHOTS set, each view is saved there as a PNG."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from hamaynk.tenancy.models import Municipality
from tests.conftest import provision_ok
from tests.registers_helpers import staff_user
from tests.test_case_kpis import APPLICANT, RESIDENCE
from tests.test_journeys_browser import PHONE, SIZES, check, drawing_for, new_page, site_of, texts_outside
from tests.two_factor_helpers import page_second_step

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def town():
    """A municipality with an administrator, a specialist and applications decided over the last
    weeks, so that the statistics page has a chart."""
    from tenants.cases import workflow
    from tenants.cases.models import Case
    from tenants.catalogue.models import Service

    town = provision_ok()
    staff_user(town, "admin@first-start.test", "administrator")
    staff_user(town, "specialist@first-start.test", "specialist")
    request = {"full_name": "Անի Պետրոսյան", "subject": "Լույս", "text": "Փողոցի լույսը"}
    now = timezone.now()
    with schema_context(town.schema_name):
        for code, form, days in (
            ("residence_certificate", RESIDENCE, (3, 5, 6)),
            ("mayor_request", request, (12, 16, 20)),
        ):
            service = Service.objects.get(code=code)
            for taken in days:
                submitted = now - datetime.timedelta(days=40)
                case = workflow.submit(service, form, applicant=APPLICANT, channel="online", now=submitted)
                Case.objects.filter(pk=case.pk).update(
                    closed_at=submitted + datetime.timedelta(days=taken), due_date=submitted.date()
                )
    return town


def sign_in_here(page, username, password="staff-password-1"):
    """Fill in the sign-in form the page is on, and give the second factor if asked."""
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page_second_step(page, username)


@pytest.mark.parametrize("size", SIZES)
def test_a_bookmarked_staff_page_signs_in_and_comes_back(browser, live_server, town, size):
    site = site_of(town, live_server)
    page = new_page(browser, size)
    for path in ("/staff/audit/", "/staff/catalogue/", "/staff/accounts/", "/staff/profile/"):
        response = page.goto(f"{site}{path}")
        assert response.status == 200, path
        assert page.url.startswith(f"{site}/staff/login/?next="), page.url
    page.goto(f"{site}/staff/audit/")
    check(page, "signed-out-to-sign-in", size)
    sign_in_here(page, "admin@first-start.test")
    expect(page).to_have_url(f"{site}/staff/audit/")
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_without_the_permission_the_403_page_says_who_to_ask(browser, live_server, town, size):
    site = site_of(town, live_server)
    page = new_page(browser, size)
    page.goto(f"{site}/staff/login/")
    sign_in_here(page, "specialist@first-start.test")
    response = page.goto(f"{site}/staff/audit/")
    assert response.status == 403
    expect(page.locator("main h1")).to_have_text("Դուք չեք կարող բացել այս էջը")
    expect(page.locator("main")).to_contain_text("համայնքի ադմինիստրատորին")
    expect(page.locator("header")).to_contain_text("Աշխատակիցների բաժին")  # the staff area's look
    check(page, "forbidden", size)
    page.locator("main a.button").click()
    expect(page).to_have_url(f"{site}/staff/")
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_form_without_its_security_token_gets_a_page_that_says_what_to_do(browser, live_server, town, size):
    site = site_of(town, live_server)
    page = new_page(browser, size)
    page.goto(f"{site}/staff/login/")
    page.context.clear_cookies()  # the token's cookie is gone, as when cookies are refused
    page.fill("#id_username", "admin@first-start.test")
    page.fill("#id_password", "staff-password-1")
    page.click("button[type=submit].primary")
    expect(page.locator("main h1")).to_have_text("Ձևաթուղթը հնացել է")
    expect(page.locator("main")).not_to_contain_text("CSRF")
    check(page, "csrf-failure", size)
    page.locator("main a.button").click()
    expect(page.locator("#id_username")).to_be_visible()  # the form again
    page.context.close()


def measure(page, selector):
    return page.locator(selector).evaluate(
        """input => { const box = input.getBoundingClientRect(); const style = getComputedStyle(input);
            return {height: box.height, width: box.width, font: style.fontSize + ' ' + style.fontFamily}; }"""
    )


@pytest.mark.parametrize("size", SIZES)
def test_the_tracking_and_verification_inputs_are_sized_like_the_forms(browser, live_server, town, size):
    site = site_of(town, live_server)
    page = new_page(browser, size)
    page.goto(f"{site}/apply/residence_certificate/")
    main = measure(page, "#id_applicant_name")
    for path, selector, name in (
        ("/track/", "#code", "track"),
        ("/verify/", "#code", "verify"),
        ("/", "#track-code", "home-track-box"),
        ("/services/residence_certificate/", "#track-code", "service-track-box"),
    ):
        page.goto(f"{site}{path}")
        found = measure(page, selector)
        assert abs(found["height"] - main["height"]) <= 1, (name, found, main)
        assert found["font"] == main["font"], (name, found, main)
        if size is PHONE:
            assert found["width"] >= 280, (name, found)  # the whole width of the card
            button = page.locator(f"{selector} ~ button").bounding_box()
            assert button["height"] >= 44 and button["width"] >= 280, (name, button)
        page.locator(selector).fill("K7QM-2WRP-9HTA")
        check(page, name, size)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_every_apply_button_has_one_colour(browser, live_server, town, size):
    site = site_of(town, live_server)
    page = new_page(browser, size)
    colours = {}

    def colour(locator):
        return locator.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]")

    page.goto(f"{site}/services/")
    colours["services"] = colour(page.locator("#services tr[data-service=residence_certificate] a.button"))
    accent = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    page.goto(f"{site}/services/residence_certificate/")
    colours["service"] = colour(page.locator("#apply-online"))
    check(page, "service-apply", size)
    page.click("#apply-online")
    colours["send"] = colour(page.locator("main button[type=submit].primary"))
    assert len({tuple(c) for c in colours.values()}) == 1, colours
    red, green, blue = (int(accent[i : i + 2], 16) for i in (1, 3, 5))
    assert colours["send"][0] == f"rgb({red}, {green}, {blue})", (colours, accent)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_statistics_chart_has_an_axis_and_its_unit(browser, live_server, town, size):
    page = new_page(browser, size)
    page.goto(f"{site_of(town, live_server)}/statistics/")
    shown = drawing_for(page.locator("#services-chart"), "stats-chart", size)
    ticks = shown.locator(".chart-tick")
    assert ticks.count() >= 3
    expect(ticks.first).to_have_text("0")
    expect(shown.locator(".chart-unit")).to_have_text("աշխատանքային օր (մեդիան՝ ներկայացումից մինչև որոշում)")
    expect(shown.locator(".chart-value")).to_have_count(2)
    # The letters as drawn on the screen, in CSS pixels, and everything inside the drawing.
    drawn = shown.evaluate(
        """svg => {
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const texts = [...svg.querySelectorAll('text')];
            return {
                smallest: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale)),
                ticks: [...svg.querySelectorAll('.chart-tick')].map(t => parseFloat(t.textContent.replace(',', '.'))),
                values: [...svg.querySelectorAll('.chart-value')].map(t => parseFloat(t.textContent.replace(',', '.'))),
            };
        }"""
    )
    assert drawn["smallest"] >= 13.5, drawn
    assert texts_outside(shown) == []
    assert drawn["ticks"] == sorted(drawn["ticks"]) and drawn["ticks"][-1] >= max(drawn["values"]), drawn
    shown.scroll_into_view_if_needed()
    check(page, "statistics", size)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_unknown_still_being_set_up_and_suspended_hosts_explain_themselves(browser, live_server, size):
    port = live_server[1]
    page = new_page(browser, size)
    response = page.goto(f"http://no-such-town.localhost:{port}/")
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("Այս հասցեով համայնք չկա")
    check(page, "host-not-found", size)

    waiting = provision_ok()
    set_status(waiting, Municipality.Status.PROVISIONING)
    response = page.goto(f"http://{waiting.primary_host}:{port}/")
    assert response.status == 503
    expect(page.locator("main h1")).to_have_text("Կայքը ստեղծվում է")
    expect(page.locator("main")).to_contain_text("մեկ րոպեից")
    check(page, "host-provisioning", size)

    set_status(waiting, Municipality.Status.SUSPENDED)
    response = page.goto(f"http://{waiting.primary_host}:{port}/")
    assert response.status == 503
    expect(page.locator("main h1")).to_contain_text("ժամանակավորապես անհասանելի")
    check(page, "host-suspended", size)
    set_status(waiting, Municipality.Status.ACTIVE)
    page.context.close()


def set_status(municipality, status):
    """Saved, so that the host lookups forget it at once (as the console's change does)."""
    municipality.status = status
    municipality.save()
