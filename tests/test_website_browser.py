"""The website in Chromium: an editor writes a news item in Wagtail's admin, saves a draft the
public cannot see, publishes it and the public reads it; and axe-core finds no serious or
critical accessibility violation on the main pages, in Armenian and on a phone."""

import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_tenants.utils import schema_context
from playwright.sync_api import expect
from wagtail.models import Page

from tests.conftest import provision_ok
from tests.registers_helpers import resident, staff_user
from tests.two_factor_helpers import page_second_step

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")


def sign_in(page, site, username, password="staff-password-1"):
    page.context.clear_cookies()
    page.goto(f"{site}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page_second_step(page, username)
    page.wait_for_url(f"{site}/staff/")


def test_an_editor_drafts_publishes_and_the_public_reads_it(page, live_server):
    from tenants.website.models import NewsIndexPage

    _base, port = live_server
    town = provision_ok()
    staff_user(town, "editor@news.test", "editor")
    with schema_context(town.schema_name):
        news = NewsIndexPage.objects.get(locale__language_code="hy")
    site = f"http://{town.slug}.localhost:{port}"

    sign_in(page, site, "editor@news.test")
    page.goto(f"{site}/cms/pages/add/website/newspage/{news.id}/")
    page.fill("#id_title", "Ավագանու հերթական նիստը")
    page.fill("#id_summary", "Նիստը կկայանա դեկտեմբերի 5-ին՝ ժամը 11:00-ին։")
    # The tab holding the slug: Wagtail names a tab after its heading, which is Armenian here.
    promote = page.locator("section[role=tabpanel]:has(#id_slug)").get_attribute("id")
    page.click(f"a[href='#{promote}']")
    # Wagtail fills the slug from the title by itself (asynchronously): wait for it, then replace it.
    slug = page.locator("#id_slug")
    expect(slug).not_to_have_value("")
    slug.fill("council-session")
    expect(slug).to_have_value("council-session")
    page.click("footer button[type=submit]:not([name])")  # "Save draft", the footer's main action
    page.wait_for_url("**/cms/pages/*/edit/**")
    with schema_context(town.schema_name):
        draft = news.get_children().get(title="Ավագանու հերթական նիստը")
    assert not draft.live and draft.slug == "council-session"
    path = "/news/council-session/"

    visitor = page.context.browser.new_context(locale="hy-AM").new_page()
    assert visitor.goto(f"{site}{path}").status == 404

    page.locator("footer .dropdown-toggle, [data-w-dropdown-target=toggle]").last.click()
    page.click("button[name=action-publish]")
    page.wait_for_url("**/cms/pages/*/")

    def published():
        with schema_context(town.schema_name):
            return Page.objects.get(pk=draft.pk).live

    deadline = time.monotonic() + 15
    while not published() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert published(), page.locator("body").inner_text()[:2000]

    response = visitor.goto(f"{site}{path}")
    assert response.status == 200
    expect(visitor.locator("main h1")).to_have_text("Ավագանու հերթական նիստը")
    visitor.goto(f"{site}/news/")
    expect(visitor.locator("main")).to_contain_text("Նիստը կկայանա դեկտեմբերի 5-ին")
    visitor.goto(f"{site}/")
    expect(visitor.locator("main")).to_contain_text("Ավագանու հերթական նիստը")
    visitor.context.close()


@pytest.fixture(scope="module")
def filled_town():
    from tenants.budget.demo import seed as seed_budget
    from tenants.cases.demo import seed as seed_cases
    from tenants.registers import services

    town = provision_ok()
    with schema_context(town.schema_name):
        residents = services.get_register("residents")
        for n in range(12):
            services.create(residents, resident(700 + n), actor="test")
        decision = services.create(
            services.get_register("council_decisions"),
            {
                "number": "42-Ա",
                "date": "2026-10-02",
                "title": "Փողոցների լուսավորության ծրագրի մասին",
                "text": "Հաստատել 2027 թվականի ծրագիրը։",
                "status": "adopted",
                "published": True,
                "votes_for": 12,
                "votes_against": 0,
                "votes_abstained": 1,
            },
            actor="test",
        )
        seed_budget(seed_value=5)
        seed_cases(seed_value=5)
    return town, decision


def _main_pages(decision):
    return [
        "/",
        "/services/",
        "/services/residence_certificate/",
        "/news/",
        "/news/website-opened/",
        "/decisions/",
        f"/decisions/{decision.uuid}/",
        "/budget/",
        "/statistics/",
        "/open-data/",
        "/contacts/",
        "/track/",
    ]


def _serious(page):
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )
    return [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("language", ["hy", "en", "ru"])
def test_main_pages_have_no_serious_accessibility_violations(browser, live_server, filled_town, language):
    _base, port = live_server
    town, decision = filled_town
    context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    found = {}
    for path in _main_pages(decision):
        response = page.goto(f"http://{town.slug}.localhost:{port}{path}")
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language
        problems = _serious(page)
        if problems:
            found[path] = problems
    # The check itself sees a violation when there is one (an image without a text alternative).
    page.set_content('<html lang="hy"><head><title>x</title></head><body><main><img src="x.png"></main></body></html>')
    assert any(problem[0] == "image-alt" for problem in _serious(page))
    context.close()
    assert not found, found


def test_the_site_is_usable_on_a_phone(browser, live_server, filled_town):
    _base, port = live_server
    town, decision = filled_town
    context = browser.new_context(
        locale="hy-AM", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    for path in _main_pages(decision):
        page.goto(f"http://{town.slug}.localhost:{port}{path}")
        # Nothing wider than the screen: the page never scrolls sideways.
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, overflow)
        assert not _serious(page), path
    page.goto(f"http://{town.slug}.localhost:{port}/")
    page.click("header button.menu-toggle")  # the links fold behind the menu button on a phone
    page.click("header nav a[href='/budget/']")
    expect(page.locator("main h1")).to_have_text("Բյուջե")
    expect(page.locator("section[data-direction=expenditure] table")).to_be_visible()
    context.close()
