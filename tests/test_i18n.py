"""Armenian first, English and Russian beside it: catalogues complete, pages in all three."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[1] / "platform" / "hamaynk" / "locale"


@pytest.mark.parametrize("language", ["hy", "ru"])
def test_every_message_is_translated_and_compiled(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    mo = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))}
    stale = [e.msgid for e in po if mo.get((e.msgctxt, e.msgid)) != e.msgstr]
    assert stale == [], "django.mo is older than django.po: run msgfmt"


def test_the_catalogue_covers_every_message_in_the_code(tmp_path):
    """A string added to the code without makemessages would show in English to everyone."""
    import os
    import shutil

    from django.core.management import call_command
    from django.test import override_settings

    if not shutil.which("xgettext"):
        pytest.skip("gettext tools are not installed")
    root = LOCALE.parents[2]
    # makemessages writes beside the sources it reads: give it a copy of them.
    for folder in ("platform", "tenants", "provisioning"):
        shutil.copytree(root / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    copy = tmp_path / "platform" / "hamaynk" / "locale"
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with override_settings(LOCALE_PATHS=[copy]):
            call_command("makemessages", locale=["hy"], verbosity=0)
    finally:
        os.chdir(cwd)
    fresh = polib.pofile(str(copy / "hy" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in fresh.untranslated_entries() + fresh.fuzzy_entries()]
    assert missing == []


@pytest.mark.parametrize(
    "language,expected",
    [
        ("hy", ["Աշխատանքային ժամեր", "Բնակավայրեր", "Երկուշաբթի", "Համայնք alpha"]),
        ("en", ["Working hours", "Settlements", "Monday", "Community alpha"]),
        ("ru", ["Часы работы", "Населённые пункты", "Понедельник", "Община alpha"]),
    ],
)
def test_the_public_home_page_in_each_language(alpha, client_for, language, expected):
    response = client_for("alpha.localhost").get("/contacts/", HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    for text in expected:
        assert text in html


def test_armenian_is_the_default_language(alpha, client_for):
    html = client_for("alpha.localhost").get("/contacts/").content.decode()
    assert '<html lang="hy">' in html and "Աշխատանքային ժամեր" in html


def test_the_language_switcher_remembers_the_choice(alpha, client_for):
    client = client_for("alpha.localhost")
    client.post("/i18n/setlang/", {"language": "ru", "next": "/contacts/"})
    assert "Часы работы" in client.get("/contacts/").content.decode()
