"""No English in the Armenian interface: the main pages, rendered in Armenian for a visitor, the
staff and the ministry, show none of the project's own English messages and no raw codes.

The English side comes from the project's catalogue: every msgid whose Armenian translation
differs from it (proper names and codes such as "API" are the same in both and are skipped). A
msgid that shows up as words of the visible text (text nodes, and the attributes a person reads
or hears: placeholder, title, aria-label, alt, a button's value) is a string that reached the page
without going through the translation, or through a translation that was lost.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django_tenants.utils import schema_context

from tests.conftest import provision_ok
from tests.registers_helpers import resident, signed_in
from tests.two_factor_helpers import verified_login

LOCALE = Path(__file__).resolve().parents[1] / "platform" / "hamaynk" / "locale"
VISIBLE_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
HIDDEN_ELEMENTS = {"script", "style", "template", "noscript"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Raw values and codes that must never reach a person, whatever the language.
RAW_CODES = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


class VisibleText(HTMLParser):
    """The text a person sees or hears: text outside scripts and styles, and the attributes read out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = None  # [tag, depth] of the element being skipped

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.hidden:
            if tag == self.hidden[0]:
                self.hidden[1] += 1
            return
        if tag in HIDDEN_ELEMENTS or (attrs.get("lang") or "hy")[:2] != "hy" or attrs.get("translate") == "no":
            # Scripts and styles, content marked as another language (the language switcher's
            # "English", "Русский") and codes marked not to be translated (a CSV column's code
            # beside its label) are not Armenian text to check.
            if tag not in VOID_ELEMENTS:
                self.hidden = [tag, 1]
            return
        for name in VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self.hidden and tag == self.hidden[0]:
            self.hidden[1] -= 1
            if not self.hidden[1]:
                self.hidden = None

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(" ".join(part.split()) for part in parser.parts)


def _pattern(msgid):
    """A regular expression for the English message as it would read on the page: placeholders
    stand for any text, whitespace for any run of it, and the message must start and end on a
    word boundary."""
    pieces = re.split(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}", " ".join(msgid.split()))
    literal = [re.escape(piece).replace(r"\ ", r"\s+") for piece in pieces]
    body = r".+?".join(literal)
    start = r"\b" if re.match(r"\w", msgid) else ""
    end = r"\b" if re.search(r"\w$", msgid) else ""
    return start + body + end


def _english_messages():
    armenian = polib.pofile(str(LOCALE / "hy" / "LC_MESSAGES" / "django.po"))
    messages = []
    for entry in armenian:
        if entry.obsolete or not entry.msgid.strip():
            continue
        translations = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for english in [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else []):
            if english in translations:
                continue  # the same in Armenian: a proper name or a code
            # A message that is a single placeholder or punctuation says nothing in English.
            if not re.search(r"[A-Za-z]{2}", re.sub(r"%\([a-z_]+\)[sd]|%[sd]", "", english)):
                continue
            messages.append((english, re.compile(_pattern(english))))
    return messages


ENGLISH = _english_messages()


def untranslated(html):
    """English messages of the catalogue and raw codes found in the page's visible text."""
    # Addresses written out (an open-data URL, an e-mail) are not words to translate.
    text = re.sub(r"\S*[/@]\S*", " ", visible_text(html))
    found = sorted({english for english, pattern in ENGLISH if pattern.search(text)})
    found += sorted({f"raw: {match}" for match in RAW_CODES.findall(text)})
    return found


def test_the_checker_finds_english_and_codes_and_ignores_markup():
    html = (
        '<p class="working_hours" data-x="None">Աշխատանքային ժամեր</p>'
        "<script>var month_median_working_days = null;</script>"
        '<input type="submit" value="Search">'
        '<span title="Working hours">planned: None</span><p>create_schema</p>'
        '<button lang="en">English</button><code translate="no">birth_date</code>'
    )
    found = untranslated(html)
    assert "Search" in found and "Working hours" in found
    assert "raw: None" in found and "raw: create_schema" in found
    assert "raw: month_median_working_days" not in found  # inside a script
    assert "English" not in found  # marked as English
    assert "raw: birth_date" not in found  # marked as a code
    assert untranslated('<p class="x_y" data-a="None">Աշխատանքային ժամեր</p>') == []


@pytest.fixture(scope="module")
def town():
    return provision_ok()


@pytest.fixture(scope="module")
def content(town):
    """A news item, a council decision, a resident, an application and a failed import report."""
    from tenants.cases import workflow
    from tenants.catalogue.models import Service
    from tenants.registers import services
    from tenants.website.models import NewsIndexPage, NewsPage

    with schema_context(town.schema_name):
        news = NewsIndexPage.objects.get(locale__language_code="hy")
        item = news.add_child(
            instance=NewsPage(
                title="Ջրամատակարարման դադար", slug="water-stop", summary="Հինգշաբթի՝ 10:00–14:00։", body="<p>Ա</p>"
            )
        )
        decision = services.create(
            services.get_register("council_decisions"),
            {
                "number": "7-Ն",
                "date": "2026-03-14",
                "title": "Բյուջեի մասին",
                "status": "adopted",
                "published": True,
                "votes_for": 9,
                "votes_against": 0,
                "votes_abstained": 0,
            },
            actor="test",
        )
        person = services.create(services.get_register("residents"), resident(1), actor="test")
        case = workflow.submit(
            Service.objects.get(code="residence_certificate"),
            {
                "psn": "1234567890",
                "last_name": "Պետրոսյան",
                "first_name": "Անի",
                "address": "Կենտրոն, Բաղրամյան, 11, 4",
                "purpose": "Բանկ",
            },
            applicant={"name": "Անի Պետրոսյան", "email": "ani@example.am", "phone": "+374 91 000000", "language": "hy"},
            channel="online",
        )
    return {"news": item, "decision": decision, "resident": person, "case": case}


def _check(client, path, **params):
    response = client.get(path, params, HTTP_ACCEPT_LANGUAGE="hy")
    assert response.status_code == 200, (path, response.status_code)
    html = response.content.decode()
    assert '<html lang="hy">' in html, path
    return untranslated(html)


def _all_clean(pages):
    problems = {path: found for path, found in pages.items() if found}
    assert not problems, "\n".join(f"{path}: {found}" for path, found in problems.items())


def test_the_public_pages_in_armenian(client_for, town, content):
    visitor = client_for(town.primary_host)
    case = content["case"]
    pages = {
        path: _check(visitor, path)
        for path in (
            "/",
            "/services/",
            "/services/residence_certificate/",
            "/apply/residence_certificate/",
            "/track/",
            "/verify/",
            "/news/",
            f"/news/{content['news'].slug}/",
            "/decisions/",
            f"/decisions/{content['decision'].uuid}/",
            "/budget/",
            "/statistics/",
            "/open-data/",
            "/contacts/",
        )
    }
    pages["/track/?code"] = _check(visitor, "/track/", code=case.tracking_code)
    pages["/track/?code=unknown"] = _check(visitor, "/track/", code="AAAA-BBBB-CCCC")
    pages["/verify/?code=unknown"] = _check(visitor, "/verify/", code="AAAA-BBBB-CCCC-DDDD")
    pages["/decisions/?q"] = _check(visitor, "/decisions/", q="չկա")
    _all_clean(pages)


def test_the_staff_pages_in_armenian(client_for, town, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = signed_in(client_for, town, "admin@untranslated.test", "administrator")
    record = content["resident"]
    pages = {
        path: _check(staff, path)
        for path in (
            "/staff/",
            "/staff/cases/",
            f"/staff/cases/{content['case'].pk}/",
            "/staff/registers/",
            "/staff/registers/residents/",
            f"/staff/registers/residents/{record.uuid}/",
            "/staff/registers/residents/import/",
            "/staff/budget/",
            "/staff/profile/",
        )
    }
    pages["/staff/cases/?scope=all"] = _check(staff, "/staff/cases/", scope="all")
    # The import report names each problem's field by its label in the register.
    header = (
        "Հանրային ծառայությունների համարանիշ,Ազգանուն,Անուն,Հայրանուն,Ծննդյան ամսաթիվ,Սեռ,Հաշվառման հասցե,Կարգավիճակ"
    )
    bad = '2000000003,Վարդանյան,,Սամվելի,31.02.1990,Արական,"Կենտրոն",Հաշվառված'
    upload = SimpleUploadedFile("residents.csv", f"\ufeff{header}\n{bad}\n".encode(), content_type="text/csv")
    response = staff.post("/staff/registers/residents/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="hy")
    assert response.context["report"].errors
    html = response.content.decode()
    pages["import report"] = untranslated(html)
    assert "Ծննդյան ամսաթիվ" in visible_text(html)
    _all_clean(pages)


def test_the_console_in_armenian(client_for, ministry_user, town):
    from provisioning.models import ProvisioningRun

    console = verified_login(client_for("localhost"), ministry_user)
    assert ProvisioningRun.objects.filter(municipality=town).exists()
    pages = {path: _check(console, path) for path in ("/console/", f"/console/m/{town.uuid}/", "/console/events/")}
    _all_clean(pages)


def test_an_empty_value_shows_as_a_dash_not_none(client_for, town, content):
    """A resident without a patronymic, a case not decided yet: the page shows a dash."""
    staff = signed_in(client_for, town, "clerk@untranslated.test", "administrator")
    with schema_context(town.schema_name):
        from tenants.registers import services

        person = services.create(
            services.get_register("residents"), resident(2, patronymic="", psn="1000000777"), actor="test"
        )
    html = staff.get(f"/staff/registers/residents/{person.uuid}/", HTTP_ACCEPT_LANGUAGE="hy").content.decode()
    assert "None" not in visible_text(html) and "—" in visible_text(html)
    case_page = staff.get(f"/staff/cases/{content['case'].pk}/", HTTP_ACCEPT_LANGUAGE="hy").content.decode()
    assert "None" not in visible_text(case_page)
