"""What people see, in Chromium and in Armenian, on a phone (375 px) and a desktop (1280 px):
the clerk's inbox and dashboard, a form's errors all at once with a summary, the address in
labelled inputs, the public site's menu button, the services as cards and a legible budget
chart. axe-core finds no serious violation on any of them, and the Content-Security-Policy
refuses nothing. With HAMAYNK_SCREENSHOTS set, each view is saved there as a PNG."""

import datetime
import os
import re
from pathlib import Path

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.conftest import provision_ok
from tests.registers_helpers import staff_user
from tests.test_website_browser import _serious
from tests.two_factor_helpers import page_second_step

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SIZES = [pytest.param(PHONE, id="375"), pytest.param(DESKTOP, id="1280")]


@pytest.fixture(scope="module")
def town():
    """A municipality with a budget, a clerk of the Citizen Service Office with one application
    of their own and unassigned ones of their office (two overdue), and a specialist of the
    finance department with nothing to do."""
    from tenants.budget.demo import seed as seed_budget
    from tenants.cases import workflow
    from tenants.cases.models import Case
    from tenants.catalogue.models import Service
    from tenants.profile.models import Department

    town = provision_ok()
    clerk = staff_user(town, "clerk@journeys.test", "front_office")
    idle = staff_user(town, "idle@journeys.test", "specialist")
    today = datetime.date.today()
    with schema_context(town.schema_name):
        seed_budget(seed_value=5)
        Department.objects.get(code="citizen_service_office").members.add(clerk)
        Department.objects.get(code="finance").members.add(idle)  # nothing of theirs to do
        residence = Service.objects.get(code="residence_certificate")
        data = {
            "psn": "1234567890",
            "last_name": "Պետրոսյան",
            "first_name": "Անի",
            "address": "Կենտրոն, Բաղրամյան, 11, 4",
            "purpose": "Բանկ",
        }
        for name, days, assigned in (
            ("Անի Պետրոսյան", 4, clerk),
            ("Արամ Սարգսյան", -6, None),
            ("Լիլիթ Հովհաննիսյան", -2, None),
            ("Գոհար Մելքոնյան", 1, None),
        ):
            case = workflow.submit(
                residence, data, applicant={"name": name, "email": "", "phone": "", "language": "hy"}, channel="window"
            )
            Case.objects.filter(pk=case.pk).update(due_date=today + datetime.timedelta(days=days), assigned_to=assigned)
    return town


def new_page(browser, size, **options):
    context = browser.new_context(
        locale="hy-AM",
        viewport=size,
        device_scale_factor=2 if size is PHONE else 1,
        is_mobile=size is PHONE,
        has_touch=size is PHONE,
        **options,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.csp_refusals = refused
    return page


def check(page, name, size):
    """No serious axe violation, nothing wider than the screen, no script or style refused; the
    screenshot for the eye."""
    folder = os.environ.get("HAMAYNK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}-{size['width']}.png"), full_page=True)
    problems = _serious(page)
    assert not problems, (name, problems)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, (name, overflow, wider_than_the_screen(page))
    assert not page.csp_refusals, page.csp_refusals


def wider_than_the_screen(page):
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)"""
    )


def sign_in(page, site, username, password="staff-password-1"):
    page.goto(f"{site}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page_second_step(page, username)
    expect(page.locator("h1")).to_contain_text("աշխատակիցների բաժին")


def drawing_for(container, name, size):
    """A chart drawn twice (svg.<name>-wide and svg.<name>-compact): the one this screen shows,
    checked to be the compact one on a phone with the other hidden."""
    wide, compact = container.locator(f"svg.{name}-wide"), container.locator(f"svg.{name}-compact")
    shown, hidden = (compact, wide) if size is PHONE else (wide, compact)
    expect(shown).to_be_visible()
    expect(hidden).to_be_hidden()
    return shown


def texts_outside(svg):
    """The texts of a drawing that stick out of its viewBox, left or right."""
    return svg.evaluate(
        """svg => [...svg.querySelectorAll('text')].filter(text => {
            const box = text.getBBox();
            return box.x < -0.5 || box.x + box.width > svg.viewBox.baseVal.width + 0.5;
        }).map(text => text.textContent)"""
    )


def site_of(town, live_server):
    return f"http://{town.slug}.localhost:{live_server[1]}"


@pytest.mark.parametrize("size", SIZES)
def test_the_clerks_inbox_opens_on_what_needs_action(browser, live_server, town, size):
    site = site_of(town, live_server)
    page = new_page(browser, size)
    sign_in(page, site, "clerk@journeys.test")
    counts = page.locator("#cases-counts")
    expect(counts.locator("[data-count=action] dd")).to_have_text("4")
    expect(counts.locator("[data-count=overdue] dd")).to_have_text("2")
    expect(page.locator("#cases-by-state tr[data-state=submitted]")).to_contain_text("Ներկայացված")
    check(page, "dashboard", size)

    counts.locator("[data-count=action] a").click()
    expect(page.locator("#inbox-scopes a[aria-current=page]")).to_have_text("Իմ անելիքները")
    rows = page.locator("#inbox tbody tr")
    expect(rows).to_have_count(4)
    # Overdue first, the most overdue at the top, each marked.
    expect(rows.nth(0)).to_contain_text("Արամ Սարգսյան")
    expect(rows.nth(1)).to_contain_text("Լիլիթ Հովհաննիսյան")
    expect(rows.nth(0).locator(".status-failed")).to_have_text("ժամկետանց")
    expect(page.locator("#inbox-summary .overdue-count")).to_contain_text("2")
    check(page, "inbox", size)

    page.context.close()
    page = new_page(browser, size)
    sign_in(page, site, "idle@journeys.test")
    page.goto(f"{site}/staff/cases/")
    empty = page.locator("#inbox-empty")
    expect(empty).to_contain_text("«Իմ անելիքները» ցանկում դիմումներ չկան")
    check(page, "inbox-empty", size)
    empty.locator("#widen-scope").click()
    expect(page.locator("#inbox-scopes a[aria-current=page]")).to_have_text("Բոլոր ընթացիկները")
    expect(page.locator("#inbox tbody tr")).to_have_count(4)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_an_empty_application_shows_every_error_at_once(browser, live_server, town, size):
    page = new_page(browser, size)
    page.goto(f"{site_of(town, live_server)}/apply/residence_certificate/")
    expect(page.locator("#required-note")).to_contain_text("պարտադիր են")
    # Required fields carry the mark and a hidden word for screen readers.
    name_label = page.locator("label[for=id_applicant_name]")
    expect(name_label.locator(".required-mark")).to_have_text("*")
    expect(name_label.locator(".visually-hidden")).to_have_text("(պարտադիր)")
    check(page, "apply", size)

    page.click("button[type=submit].primary")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("h2")).to_have_text("Ուղղեք հետևյալ սխալները")
    links = summary.locator("a")
    fields = {"applicant_name", "applicant_email", "psn", "last_name", "first_name", "address", "purpose"}
    expect(links).to_have_count(len(fields))  # all in one round
    for field in fields:
        expect(page.locator(f"#{field}-errors")).to_be_visible()  # and each beside its field
    for i in range(links.count()):
        expect(page.locator(links.nth(i).get_attribute("href"))).to_have_count(1)  # each link finds its field
    # The summary's link moves the focus to its field; the field names its message.
    summary.locator("a[href='#id_psn']").click()
    expect(page.locator("#id_psn")).to_be_focused()
    assert "id_psn_error" in page.locator("#id_psn").get_attribute("aria-describedby")
    expect(page.locator("#id_psn")).to_have_attribute("aria-invalid", "true")
    check(page, "apply-errors", size)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_address_is_four_labelled_inputs_one_column_on_a_phone(browser, live_server, town, size):
    page = new_page(browser, size)
    page.goto(f"{site_of(town, live_server)}/apply/residence_certificate/")
    group = page.locator("[data-field=address] fieldset")
    expect(group.locator("legend")).to_contain_text("Հաշվառման հասցե")
    parts = ("Բնակավայր", "Փողոց", "Շենք", "Բնակարան")
    boxes = []
    for index, label in enumerate(parts):
        expect(group.locator(f"label[for=id_address_{index}]")).to_have_text(label)
        expect(group.get_by_label(label, exact=True)).to_have_id(f"id_address_{index}")
        boxes.append(page.locator(f"#id_address_{index}").bounding_box())
    if size is PHONE:
        assert len({round(box["x"]) for box in boxes}) == 1  # one column
        assert all(a["y"] < b["y"] for a, b in zip(boxes, boxes[1:]))
        assert all(box["width"] > 250 for box in boxes)
    else:
        assert len({round(box["y"]) for box in boxes}) == 1  # one row
    page.locator("#id_address_1").fill("Բաղրամյան")
    page.click("button[type=submit].primary")
    expect(page.locator("#address-errors")).to_be_visible()  # no settlement: refused
    expect(page.locator("#id_address_1")).to_have_value("Բաղրամյան")
    group.scroll_into_view_if_needed()
    check(page, "address", size)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_ministry_console_shows_every_error_at_once(browser, live_server, ministry_user, size):
    base, _port = live_server
    page = new_page(browser, size)
    page.goto(f"{base}/console/login/")
    page.fill("#id_username", "minister")
    page.fill("#id_password", "minister-password-1")
    page.click("button[type=submit].primary")
    page_second_step(page, "minister")
    page.goto(f"{base}/console/onboard/")
    expect(page.locator("label[for=id_slug] .required-mark")).to_have_text("*")
    page.fill("#id_slug", "www")  # reserved: the request's own check, shown with the fields'
    page.click("button[type=submit].primary")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    for field in ("slug", "name_hy", "name_en", "name_ru", "region", "admin_email"):
        expect(summary.locator(f"a[href='#id_{field}']")).to_have_count(1)
        expect(page.locator(f"#{field}-errors")).to_be_visible()
    expect(page.locator("#slug-errors")).to_contain_text("www")
    check(page, "console-onboard", size)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_public_navigation_folds_behind_a_menu_button_on_a_phone(browser, live_server, town, size):
    site = site_of(town, live_server)
    page = new_page(browser, size)
    page.goto(f"{site}/")
    button = page.locator("header button.menu-toggle")
    link = page.locator("header #site-nav a[href='/services/']")
    expect(page.locator("header .lang button[value=en]")).to_be_visible()  # languages stay in view
    if size is PHONE:
        expect(button).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(link).to_be_hidden()
        header = page.locator("header.top").bounding_box()
        assert header["height"] < 200, header  # the first screen is the page, not the menu
        check(page, "home", size)
        button.click()
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(link).to_be_visible()
        check(page, "home-menu-open", size)
        page.keyboard.press("Escape")
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_be_focused()
        button.click()
        link.click()
        expect(page.locator("main h1")).to_have_text(re.compile("Ծառայություններ"))
    else:
        expect(button).to_be_hidden()
        expect(link).to_be_visible()
        check(page, "home", size)
    page.context.close()

    # Without JavaScript the links are simply there and the button is not.
    page = new_page(browser, size, java_script_enabled=False)
    page.goto(f"{site}/")
    expect(page.locator("header button.menu-toggle")).to_be_hidden()
    expect(page.locator("header #site-nav a[href='/services/']")).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_services_are_cards_on_a_phone(browser, live_server, town, size):
    page = new_page(browser, size)
    page.goto(f"{site_of(town, live_server)}/services/")
    row = page.locator("#services tr[data-service=residence_certificate]")
    apply = row.locator("a.button")
    expect(apply).to_be_visible()
    box = apply.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box  # reachable without scrolling sideways
    fee = row.locator("td").nth(0)
    if size is PHONE:
        caption = fee.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert caption == '"Վճար"', caption
        assert row.evaluate("row => getComputedStyle(row).display") == "block"
        assert box["height"] >= 44  # a finger's target
        assert page.locator("#services thead").bounding_box()["height"] <= 1  # for screen readers only
    else:
        assert fee.evaluate("cell => getComputedStyle(cell, '::before').content") == "none"
        expect(page.locator("#services thead")).to_be_visible()
    check(page, "services", size)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_budget_chart_is_legible(browser, live_server, town, size):
    page = new_page(browser, size)
    page.goto(f"{site_of(town, live_server)}/budget/")
    shown = drawing_for(page.locator("section[data-direction=expenditure]"), "budget-chart", size)
    # The letters as drawn on the screen, in CSS pixels: the labels' and the amounts' size.
    sizes = shown.evaluate(
        """svg => {
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const size = selector => Math.min(...[...svg.querySelectorAll(selector)].map(
                text => parseFloat(getComputedStyle(text).fontSize) * scale));
            return {label: size("g > text:first-child"), amount: size("g > text:not(:first-child)")};
        }"""
    )
    assert sizes["label"] >= 13.5, sizes
    assert sizes["amount"] >= 11.5, sizes
    # Every label and amount stays inside the drawing.
    assert texts_outside(shown) == []
    shown.scroll_into_view_if_needed()
    check(page, "budget", size)
    page.context.close()
