"""The Content-Security-Policy in Chromium: the public site, the staff area, the console and
Wagtail's admin work under it, and no page reports a violation (a `securitypolicyviolation`
event or a "Refused to …" console message) while a person opens and uses it."""

import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect
from wagtail.models import Page

from tests.two_factor_helpers import page_second_step

pytestmark = pytest.mark.browser

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""

PUBLIC = [
    "/",
    "/services/",
    "/services/residence_certificate/",
    "/apply/residence_certificate/",
    "/news/",
    "/budget/",
    "/statistics/",
    "/contacts/",
    "/track/",
    "/verify/",
    "/registers/",
]


@pytest.fixture
def watched(page):
    """The page, with every CSP violation it meets collected in page.violations."""
    page.violations = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            page.violations.append(f"console: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    return page


def visit(page, url):
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers
    page.wait_for_load_state("networkidle")
    collect(page, url)


def collect(page, where):
    page.violations.extend(f"{where}: {v}" for v in page.evaluate("window.__cspViolations || []"))
    assert page.violations == [], page.violations


def test_the_public_site_and_the_staff_area_work_under_the_policy(watched, live_server, alpha):
    page = watched
    _base, port = live_server
    site = f"http://{alpha.primary_host}:{port}"
    for path in PUBLIC:
        visit(page, site + path)
    # The language switch (a form) and the site's colours (a nonced style element) work.
    page.goto(site + "/")
    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    brand = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand')")
    assert brand.strip().startswith("#"), brand
    collect(page, "language switch")

    page.goto(f"{site}/staff/login/")
    page.fill("#id_username", "admin@alpha.test")
    page.fill("#id_password", "alpha-password-1")
    page.click("button[type=submit].primary")
    page_second_step(page, "admin@alpha.test")
    expect(page.locator(".module[data-module=profile]")).to_be_visible()
    collect(page, "staff sign-in")
    for path in ("/staff/", "/staff/cases/", "/staff/registers/", "/staff/profile/", "/staff/budget/"):
        visit(page, site + path)


def test_wagtail_admin_works_under_the_policy(watched, live_server, alpha):
    page = watched
    _base, port = live_server
    site = f"http://{alpha.primary_host}:{port}"
    page.goto(f"{site}/staff/login/")
    page.fill("#id_username", "admin@alpha.test")
    page.fill("#id_password", "alpha-password-1")
    page.click("button[type=submit].primary")
    page_second_step(page, "admin@alpha.test")
    with schema_context(alpha.schema_name):
        home = Page.objects.filter(depth=2, locale__language_code="hy").first()
    for path in (
        "/cms/",
        "/cms/pages/",
        f"/cms/pages/{home.id}/",
        f"/cms/pages/{home.id}/edit/",
        "/cms/images/",
        "/cms/documents/",
    ):
        visit(page, site + path)
    # The editor's scripts run: the side panel opens and the tabs switch.
    page.goto(f"{site}/cms/pages/{home.id}/edit/")
    # The tab holding the slug: Wagtail names a tab after its heading, which is Armenian here.
    promote = page.locator("section[role=tabpanel]:has(#id_slug)").get_attribute("id")
    page.click(f"a[href='#{promote}']")
    expect(page.locator("#id_slug")).to_be_visible()
    collect(page, "page editor")


def test_the_console_works_under_the_policy(watched, live_server, ministry_user, alpha):
    page = watched
    base, _port = live_server
    page.goto(f"{base}/console/")
    expect(page).to_have_url(re.compile(r"/console/login/"))
    page.fill("#id_username", "minister")
    page.fill("#id_password", "minister-password-1")
    page.click("button[type=submit].primary")
    page_second_step(page, "minister")
    collect(page, "console sign-in")
    for path in (
        "/console/",
        f"/console/m/{alpha.uuid}/",
        "/console/onboard/",
        "/console/events/",
        "/console/audit/",
        "/console/users/",
    ):
        visit(page, base + path)
