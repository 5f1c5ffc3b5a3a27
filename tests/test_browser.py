"""What people click, in Chromium: the ministry onboards a municipality and opens its site;
staff sign in to their municipality in Armenian."""

import re

import pytest
from playwright.sync_api import expect

from hamaynk.tenancy.models import Municipality
from tests.two_factor_helpers import page_second_step

pytestmark = pytest.mark.browser


def test_the_ministry_onboards_a_municipality_and_opens_its_site(page, live_server, ministry_user, celery_worker):
    base, port = live_server
    page.goto(f"{base}/console/")
    expect(page).to_have_url(re.compile(r"/console/login/"))
    page.fill("#id_username", "minister")
    page.fill("#id_password", "minister-password-1")
    page.click("button[type=submit].primary")
    page_second_step(page, "minister")
    expect(page.locator("h1")).to_have_text("Համայնքներ")

    page.click("a.button[href='/console/onboard/']")
    form = {
        "#id_slug": "www",
        "#id_name_hy": "Եղեգնաձոր",
        "#id_name_en": "Yeghegnadzor",
        "#id_name_ru": "Ехегнадзор",
        "#id_settlements": "Եղեգնաձոր | Yeghegnadzor | Ехегнадзор\nԳետափ | Getap | Гетап",
        "#id_admin_email": "admin@yeghegnadzor.test",
        "#id_phone": "+374 281 2 33 34",
    }
    for selector, value in form.items():
        page.fill(selector, value)
    page.select_option("#id_region", "vayots-dzor")
    page.click("button[type=submit].primary")
    # A reserved subdomain is refused with a clear message, and the other fields are kept.
    expect(page.locator("#slug-errors")).to_contain_text("www")
    expect(page.locator("#id_name_en")).to_have_value("Yeghegnadzor")
    assert not Municipality.objects.filter(name_en="Yeghegnadzor").exists()

    page.fill("#id_slug", "yeghegnadzor")
    page.click("button[type=submit].primary")
    expect(page.locator("#status.status-active")).to_be_visible(timeout=30_000)
    expect(page.locator("tr[data-step=activate] .status-done")).to_be_visible()

    with page.expect_navigation():
        page.click("#site-link a.button >> nth=0")
    expect(page).to_have_url(f"http://yeghegnadzor.localhost:{port}/")
    expect(page.locator("main h1")).to_have_text("Եղեգնաձոր")
    page.click("header nav a[href='/contacts/']")
    expect(page.locator("#settlements")).to_contain_text("Գետափ")

    page.goto(f"{base}/console/")
    expect(page.locator("tr[data-slug=yeghegnadzor] .status")).to_have_class(re.compile("status-active"))


def test_staff_sign_in_to_their_municipality_in_armenian(page, live_server, alpha):
    _base, port = live_server
    page.goto(f"http://alpha.localhost:{port}/staff/")
    expect(page.locator("h1")).to_have_text("Աշխատակիցների մուտք")
    page.fill("#id_username", "admin@alpha.test")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit].primary")
    expect(page.locator(".errorlist")).to_be_visible()
    page.fill("#id_password", "alpha-password-1")
    page.click("button[type=submit].primary")
    page_second_step(page, "admin@alpha.test")
    expect(page.locator("h1")).to_contain_text("Համայնք alpha")
    expect(page.locator(".module[data-module=profile]")).to_be_visible()
    expect(page.locator(".module[data-module=workcalendar]")).to_be_visible()

    page.click("button[name=language][value=en]")
    expect(page.locator("#modules-heading")).to_have_text("Modules")
    page.click("button[name=language][value=ru]")
    expect(page.locator("#modules-heading")).to_have_text("Модули")
