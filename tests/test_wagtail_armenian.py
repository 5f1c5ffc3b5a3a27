"""Wagtail's admin in Armenian: Wagtail ships no Armenian catalogue, so the project keeps one for
the texts editors meet every day (platform/hamaynk/locale_wagtail), apart from its own catalogue."""

import html
import json
import re
from pathlib import Path

import polib
import pytest
from django_tenants.utils import schema_context

from tests.conftest import provision_ok
from tests.registers_helpers import signed_in

CATALOGUE = Path(__file__).resolve().parents[1] / "platform" / "hamaynk" / "locale_wagtail" / "hy" / "LC_MESSAGES"
WAGTAIL = Path(polib.__file__).resolve().parent / "wagtail"


@pytest.fixture(scope="module")
def town():
    return provision_ok()


@pytest.fixture(scope="module")
def pages(town):
    from tenants.website.models import HomePage, NewsIndexPage

    with schema_context(town.schema_name):
        home = HomePage.objects.get(locale__language_code="hy")
        news = NewsIndexPage.objects.get(locale__language_code="hy")
        return {"home": home.pk, "news": news.pk, "item": news.get_children().first().pk}


def _visible(page):
    """The page's text, with the sidebar's menu (JSON in a script, letters escaped) decoded."""
    text = page.content.decode()
    sidebar = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', text, re.S)
    if sidebar:
        text += json.dumps(json.loads(sidebar.group(1)), ensure_ascii=False)
    return html.unescape(text)


@pytest.mark.parametrize("domain,size", [("django", 300), ("djangojs", 80)])
def test_the_catalogue_is_complete_compiled_and_made_of_wagtails_own_messages(domain, size):
    import wagtail

    po = polib.pofile(str(CATALOGUE / f"{domain}.po"))
    assert len(po) >= size
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
    mo = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(CATALOGUE / f"{domain}.mo"))}
    assert all(mo.get((e.msgctxt, e.msgid)) == (e.msgstr, e.msgstr_plural or {}) or e.msgid_plural for e in po)
    assert len(mo) == len(po), "django.mo is older than django.po: run msgfmt"
    # Every message is one of Wagtail's (a typo would never be looked up).
    english = set()
    for source in Path(wagtail.__file__).parent.glob(f"**/locale/en/LC_MESSAGES/{domain}.po"):
        english.update((e.msgctxt, e.msgid) for e in polib.pofile(str(source)))
    assert [e.msgid for e in po if (e.msgctxt, e.msgid) not in english] == []
    # It is Armenian: every translation has Armenian letters unless it is only a placeholder.
    for entry in po:
        for text in [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values():
            assert re.search("[\u0531-\u0587]", text) or not re.search(
                "[A-Za-z]{3}", re.sub(r"%\(\w+\)[sd]", "", text)
            ), entry.msgid


def test_the_catalogue_comes_after_the_projects_own():
    from django.conf import settings

    assert [path.name for path in settings.LOCALE_PATHS] == ["locale", "locale_wagtail"]


@pytest.mark.parametrize(
    "path,armenian,english",
    [
        (
            "/cms/",
            ["Որոնում", "Էջեր", "Պատկերներ", "Փաստաթղթեր", "Հաշվետվություններ", "Օգնություն"],
            ['"Reports"', '"Images"', '"Documents"'],
        ),
        (
            "/cms/pages/{home}/",
            ["Ավելացնել ենթաէջ", "Կարգավիճակ", "Գործողություններ", "հրապարակված"],
            [">Add child page<", ">Status<"],
        ),
        (
            "/cms/pages/{item}/edit/",
            ["Հրապարակել", "Պահպանել սևագիրը", "Բովանդակություն", "Էջի վերնագիր"],
            [">Publish<", "Save draft", ">Content<"],
        ),
        ("/cms/images/", ["Ավելացնել պատկեր", "Պատկերներ"], [">Add an image<"]),
        ("/cms/documents/", ["Ավելացնել փաստաթուղթ", "Փաստաթղթեր"], [">Add a document<"]),
    ],
)
def test_the_admin_speaks_armenian_to_armenian_editors(client_for, town, pages, path, armenian, english):
    editor = signed_in(client_for, town, "editor@wagtail-hy.test", "editor")
    response = editor.get(path.format(**pages), HTTP_ACCEPT_LANGUAGE="hy")
    assert response.status_code == 200
    text = _visible(response)
    assert '<html lang="hy"' in text
    for word in armenian:
        assert word in text, word
    for word in english:
        assert word not in text, word


def test_english_editors_keep_wagtails_english(client_for, town, pages):
    editor = signed_in(client_for, town, "english@wagtail-hy.test", "editor")
    text = _visible(editor.get(f"/cms/pages/{pages['item']}/edit/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Save draft" in text and "Պահպանել սևագիրը" not in text


def test_the_sidebar_menu_and_the_scripts_texts_are_armenian(client_for, town):
    editor = signed_in(client_for, town, "menu@wagtail-hy.test", "editor")
    text = editor.get("/cms/", HTTP_ACCEPT_LANGUAGE="hy").content.decode()
    found = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', text, re.S)
    assert found, "the sidebar's props are where Wagtail puts them"
    labels = re.findall(r'"label": "([^"]*)"', json.dumps(json.loads(found.group(1)), ensure_ascii=False))
    assert "Էջեր" in labels and "Պատկերներ" in labels and "Pages" not in labels and "Images" not in labels
    # The texts the admin's scripts draw themselves (the sidebar's search box, the page explorer).
    catalogue = editor.get("/cms/jsi18n/", HTTP_ACCEPT_LANGUAGE="hy").content.decode()
    for english, armenian in (
        ("Search", "Որոնում"),
        ("Page explorer", "Էջերի ծառ"),
        ("Main menu", "Գլխավոր ընտրացանկ"),
    ):
        assert f"{json.dumps(english)}: {json.dumps(armenian)}" in catalogue  # as Django writes it
