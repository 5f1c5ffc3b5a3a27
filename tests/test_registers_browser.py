"""In Chromium, in Armenian: the secretary imports residents from CSV, searches, edits one
and sees its history."""

import pytest
from playwright.sync_api import expect

from tests.conftest import provision_ok
from tests.registers_helpers import staff_user
from tests.two_factor_helpers import page_second_step

pytestmark = pytest.mark.browser

CSV = (
    "Հանրային ծառայությունների համարանիշ,Ազգանուն,Անուն,Հայրանուն,Ծննդյան ամսաթիվ,Սեռ,Հաշվառման հասցե,Կարգավիճակ\n"
    '3000000001,Գրիգորյան,Տաթևիկ,Արմենի,14.04.1993,Իգական,"Կենտրոն, Չարենցի, 7",Հաշվառված\n'
    '3000000002,Գրիգորյան,Հայկ,Արմենի,02.11.1989,Արական,"Կենտրոն, Չարենցի, 7",Հաշվառված\n'
    '3000000003,Մանուկյան,Սոնա,Վահեի,30.06.1975,Իգական,"Գյուղ, Այգեստանի, 15",Հաշվառված\n'
)


def test_the_secretary_imports_searches_edits_and_sees_the_history(page, live_server):
    _base, port = live_server
    town = provision_ok()
    staff_user(town, "secretary@browser.test", "secretary", password="secretary-password-1")
    site = f"http://{town.slug}.localhost:{port}"

    page.goto(f"{site}/staff/")
    page.fill("#id_username", "secretary@browser.test")
    page.fill("#id_password", "secretary-password-1")
    page.click("button[type=submit].primary")
    page_second_step(page, "secretary@browser.test")
    page.click(".module[data-module=registers] a.button")
    expect(page.locator("h1")).to_have_text("Ռեգիստրներ")
    page.click("tr[data-register=residents] a")
    expect(page.locator("#records")).to_contain_text("Գրառումներ չեն գտնվել")

    # Import: a file with a bad row first — nothing is imported, the problem is shown.
    page.click("a[href='/staff/registers/residents/import/']")
    bad = CSV + "3000000004,Սխալյան,,Սխալի,31.02.1990,Արական,Կենտրոն,Հաշվառված\n"
    page.set_input_files("#id_file", files=[{"name": "residents.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
    page.click("button[type=submit].primary")
    expect(page.locator("#import-errors tr[data-field=first_name]")).to_contain_text("Անուն")
    expect(page.locator("#import-errors tbody tr")).to_have_count(3)
    page.set_input_files("#id_file", files=[{"name": "residents.csv", "mimeType": "text/csv", "buffer": CSV.encode()}])
    page.click("button[type=submit].primary")
    expect(page.locator("#preview tbody tr")).to_have_count(3)
    page.click("#confirm-import")
    expect(page.locator("#count")).to_contain_text("3")

    # Search, in any letter case.
    page.fill("#q", "ԳՐԻԳՈՐ տաթ")
    page.click("form[role=search] button")
    expect(page.locator("#records tbody tr")).to_have_count(1)
    page.click("#records tbody tr a")
    expect(page.locator("h1")).to_have_text("Գրիգորյան Տաթևիկ Արմենի")

    # Edit: a bad phone number is refused with a message, a good one is saved.
    page.click("a.button[href$='/edit/']")
    page.fill("#id_phone", "call me")
    page.click("button[type=submit].primary")
    expect(page.locator("#phone-errors")).to_be_visible()
    page.fill("#id_phone", "+374 93 112233")
    page.select_option("#id_status", "moved_out")
    page.click("button[type=submit].primary")
    expect(page.locator("tr[data-field=phone]")).to_contain_text("+374 93 112233")

    history = page.locator("#history")
    expect(history).to_contain_text("Հեռախոս")
    expect(history).to_contain_text("+374 93 112233")
    expect(history).to_contain_text("Հանված հաշվառումից")
    expect(history).to_contain_text("secretary@browser.test")
