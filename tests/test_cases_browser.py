"""In Chromium, in Armenian: a walk-in construction permit application with a request for
more information, handled to the decision; and a citizen applying online and following it."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.conftest import provision_ok
from tests.registers_helpers import staff_user
from tests.two_factor_helpers import page_second_step

pytestmark = pytest.mark.browser


def sign_in(page, site, username, password="staff-password-1"):
    page.context.clear_cookies()
    page.goto(f"{site}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page_second_step(page, username)
    expect(page.locator("h1")).to_contain_text("աշխատակիցների բաժին")


def test_walk_in_construction_permit_with_a_request_for_information(page, live_server):
    _base, port = live_server
    town = provision_ok()
    for user, role in (
        ("operator@permit.test", "front_office"),
        ("specialist@permit.test", "specialist"),
        ("head@permit.test", "department_head"),
    ):
        staff_user(town, user, role)
    site = f"http://{town.slug}.localhost:{port}"

    sign_in(page, site, "operator@permit.test")
    page.goto(f"{site}/staff/cases/new/")
    page.click("a[href='?service=construction_permit']")
    page.fill("#id_applicant_name", "Գագիկ Մարտիրոսյան")
    page.fill("#id_applicant_phone", "+374 93 445566")
    page.fill("#id_applicant", "«Նոր տուն» ՍՊԸ")
    page.fill("#id_cadastral_code", "07-001-0123-0045")
    page.fill("#id_address_0", "Կենտրոն")
    page.fill("#id_address_1", "Մաշտոցի")
    page.fill("#id_address_2", "14")
    page.select_option("#id_purpose", "residential")
    page.fill("#id_floors", "three")
    page.fill("#id_area_m2", "320.5")
    page.click("button[type=submit].primary")
    expect(page.locator("#floors-errors")).to_be_visible()  # not a number: refused, nothing stored
    page.fill("#id_floors", "3")
    page.set_input_files(
        "#id_documents",
        files=[{"name": "project.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n%project\n"}],
    )
    page.click("button[type=submit].primary")
    expect(page.locator("h1")).to_contain_text("Շինարարության թույլտվություն")
    number = page.locator("h1").inner_text().split(" · ")[0]
    expect(page.locator("#state")).to_have_text("Ներկայացված")
    page.click("button[name=action][value=accept]")
    expect(page.locator("#state")).to_have_text("Քննարկվում է")

    sign_in(page, site, "specialist@permit.test")
    page.goto(f"{site}/staff/cases/?scope=all")
    page.click(f"tr[data-case='{number}'] a")
    page.click("button[name=action][value=request_info]")  # without the reason: refused
    expect(page.locator(".messages .error")).to_be_visible()
    page.fill("#id_comment", "Խնդրում ենք ներկայացնել փորձաքննության եզրակացությունը։")
    page.click("button[name=action][value=request_info]")
    expect(page.locator("#state")).to_have_text("Պահանջվում է լրացուցիչ տեղեկություն")
    expect(page.locator(".status-archived")).to_be_visible()  # the clock is stopped

    sign_in(page, site, "operator@permit.test")
    page.goto(f"{site}/staff/cases/?scope=all")
    page.click(f"tr[data-case='{number}'] a")
    page.set_input_files(
        "#id_documents",
        files=[{"name": "expertise.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n%expertise\n"}],
    )
    page.click("button[name=action][value=provide_info]")
    expect(page.locator("#state")).to_have_text("Քննարկվում է")
    expect(page.locator("main")).to_contain_text("expertise.pdf")

    sign_in(page, site, "specialist@permit.test")
    page.goto(f"{site}/staff/cases/?scope=all")
    page.click(f"tr[data-case='{number}'] a")
    page.click("button[name=action][value=propose]")
    sign_in(page, site, "head@permit.test")
    page.goto(f"{site}/staff/cases/?scope=all")
    page.click(f"tr[data-case='{number}'] a")
    page.click("button[name=action][value=grant]")
    expect(page.locator("#state")).to_have_text("Տրամադրված")
    history = page.locator("#case-history")
    expect(history).to_contain_text("փորձաքննության եզրակացությունը")
    expect(history).to_contain_text("Տրամադրել")


def test_a_citizen_applies_online_and_follows_the_application(page, live_server):
    _base, port = live_server
    town = provision_ok()
    staff_user(town, "operator@online.test", "front_office")
    staff_user(town, "specialist@online.test", "specialist")
    site = f"http://{town.slug}.localhost:{port}"
    mail.outbox.clear()

    page.goto(f"{site}/services/")
    page.click("tr[data-service=residence_certificate] a")
    page.click("#apply-online")
    page.fill("#id_applicant_name", "Նարե Հակոբյան")
    page.fill("#id_applicant_email", "nare@example.am")
    page.fill("#id_psn", "1122334455")
    page.fill("#id_last_name", "Հակոբյան")
    page.fill("#id_first_name", "Նարե")
    page.fill("#id_address_0", "Կենտրոն")
    page.fill("#id_address_1", "Չարենցի")
    page.fill("#id_address_2", "7")
    page.fill("#id_purpose", "Բանկ")
    page.click("button[type=submit].primary")
    expect(page.locator("main")).to_contain_text("nare@example.am")
    body = [m for m in mail.outbox if m.to == ["nare@example.am"]][-1].body
    link = re.search(r"https?://\S+/apply/confirm/\S+/", body).group(0)
    page.goto(link)
    code = page.locator("#tracking-code").inner_text()

    page.click("a.button[href*='/track/']")
    expect(page.locator("#track-state")).to_have_text("Ներկայացված")
    expect(page.locator("main")).not_to_contain_text("1122334455")

    sign_in(page, site, "operator@online.test")
    page.goto(f"{site}/staff/cases/?scope=all")
    page.locator("#inbox tbody tr").filter(has_text="Նարե Հակոբյան").locator("a").click()
    page.click("button[name=action][value=accept]")
    sign_in(page, site, "specialist@online.test")
    page.goto(f"{site}/staff/cases/?scope=all")
    page.locator("#inbox tbody tr").filter(has_text="Նարե Հակոբյան").locator("a").click()
    page.click("button[name=action][value=grant]")
    expect(page.locator("#state")).to_have_text("Պատրաստ է")

    page.context.clear_cookies()
    page.goto(f"{site}/track/?code={code}")
    expect(page.locator("#track-state")).to_have_text("Պատրաստ է")
    expect(page.locator("#public-history tbody tr")).to_have_count(3)
    # The certificate, with its verification code, is the citizen's to download.
    with page.expect_download() as download:
        page.click("#output-document")
    certificate = download.value.path().read_bytes()
    assert certificate.startswith(b"%PDF")
