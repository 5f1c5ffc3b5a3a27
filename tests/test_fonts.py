"""The platform's typeface on the web: the committed WOFF2 subsets hold what the CSS says they
hold (the dram sign among them), the site serves them, and Chromium draws a services page's fees
with them in Armenian."""

import io
import re

import pytest
from fontTools.ttLib import TTFont

from hamaynk import fonts
from hamaynk.fonts import webfonts
from tests.conftest import provision_ok

CSS = webfonts.OUTPUT.parent / "site.css"
FACE = re.compile(r"@font-face\s*\{(.*?)\}", re.S)


def faces():
    """{file name: (weight, unicode-range)} of the @font-face rules of site.css."""
    found = {}
    for body in FACE.findall(CSS.read_text()):
        assert '"Hamaynk Sans"' in body
        src = re.search(r'url\("fonts/([^"]+)"\)\s*format\("woff2"\)', body).group(1)
        weight = int(re.search(r"font-weight:\s*(\d+)", body).group(1))
        found[src] = (weight, re.search(r"unicode-range:\s*([^;]+);", body).group(1).strip())
    return found


def covered(subset):
    return {code for first, last in webfonts.RANGES[subset] for code in range(first, last + 1)}


def test_the_css_declares_every_subset_with_its_range():
    expected = {
        webfonts.file_name(subset, weight): (weight, webfonts.unicode_range(subset))
        for subset in webfonts.RANGES
        for weight in webfonts.WEIGHTS.values()
    }
    assert faces() == expected
    body = re.search(r"\bbody\s*\{[^}]*font:[^;]*;", CSS.read_text()).group(0)
    assert '"Hamaynk Sans"' in body


@pytest.mark.parametrize("subset", list(webfonts.RANGES))
@pytest.mark.parametrize("weight", list(webfonts.WEIGHTS.values()))
def test_each_committed_subset_holds_its_range_and_nothing_else(subset, weight):
    font = TTFont(webfonts.OUTPUT / webfonts.file_name(subset, weight))
    assert font.flavor == "woff2"
    cmap = set(font.getBestCmap())
    assert cmap and cmap <= covered(subset)
    if subset == "armenian":
        assert {0x058F, 0x0531, 0x0561, 0x0589} <= cmap  # ֏, Ա, ա, ։
    else:
        assert {ord(c) for c in "AZaz09«»·—№ЖжЁё"} <= cmap
    # The subset is of the bundled font, with its licence notice kept.
    assert "Open Font License" in (font["name"].getDebugName(13) or "")
    source = webfonts.SOURCES[subset][next(s for s, w in webfonts.WEIGHTS.items() if w == weight)]
    assert font["name"].getDebugName(4) == TTFont(source)["name"].getDebugName(4)


ROOT = webfonts.OUTPUT.parents[4]
# Where the text people read comes from: templates, catalogues, scripts, styles and the code's
# own messages. A character none of the committed subsets draws would show as a box wherever the
# visitor's device has no font for it (a symbol used as an icon, say): draw icons with CSS. The
# code's messages are read from the catalogues; Wagtail's admin has a font stack of its own.
TEXT_SOURCES = ("*.html", "*.po", "*.js", "*.css", "*.txt", "*.svg")
CONTROL = {"\n", "\r", "\t"}
# Not in Noto Sans, but in the system fonts every current device falls back to (Arial, Segoe UI,
# Roboto with Android's symbols, DejaVu, San Francisco): the arrows of "old → new" and the pager,
# and the minus sign of a removed value.
SYSTEM_FALLBACK = {"←", "→", "−"}


def test_every_character_of_the_interface_is_in_our_fonts():
    drawn = set()
    for subset in webfonts.RANGES:
        for weight in webfonts.WEIGHTS.values():
            drawn |= set(TTFont(webfonts.OUTPUT / webfonts.file_name(subset, weight)).getBestCmap())
    missing = {}
    for folder in ("platform", "tenants", "provisioning"):
        for pattern in TEXT_SOURCES:
            for path in (ROOT / folder).rglob(pattern):
                if "__pycache__" in path.parts or "locale_wagtail" in path.parts:
                    continue
                for char in set(path.read_text(encoding="utf-8")) - CONTROL - SYSTEM_FALLBACK:
                    if ord(char) not in drawn:
                        missing.setdefault(f"U+{ord(char):04X} {char}", []).append(str(path.relative_to(ROOT)))
    assert missing == {}


def test_the_licence_is_beside_the_fonts():
    for folder in (fonts.FOLDER, webfonts.OUTPUT):
        assert "SIL OPEN FONT LICENSE" in (folder / "OFL.txt").read_text()


def test_a_subset_made_again_is_the_committed_one(tmp_path):
    """The committed files are what `python -m hamaynk.fonts.webfonts` makes: same characters,
    same glyph outlines."""
    for made in webfonts.build(tmp_path):
        again, committed = TTFont(made), TTFont(webfonts.OUTPUT / made.name)
        assert again.getBestCmap() == committed.getBestCmap()
        assert sorted(again.getGlyphOrder()) == sorted(committed.getGlyphOrder())


@pytest.fixture(scope="module")
def town():
    return provision_ok()


def test_the_site_serves_the_css_and_the_woff2(town, client_for):
    visitor = client_for(town.primary_host)
    css = visitor.get("/static/hamaynk/site.css")
    assert css.status_code == 200 and b"noto-sans-armenian-400.woff2" in b"".join(css.streaming_content)
    for name in faces():
        response = visitor.get(f"/static/hamaynk/fonts/{name}")
        assert response.status_code == 200 and response["Content-Type"] == "font/woff2"
        body = b"".join(response.streaming_content)
        assert body == (webfonts.OUTPUT / name).read_bytes()
        TTFont(io.BytesIO(body))  # a font, whole


@pytest.mark.browser
def test_chromium_draws_the_fees_in_our_font(page, live_server):
    """The services page in Armenian: the fee's ֏ comes from our Armenian subset, fetched from the
    site, not from whatever the machine has installed (the family name is ours alone)."""
    _base, port = live_server
    town = provision_ok()
    site = f"http://{town.slug}.localhost:{port}"
    fetched = []
    page.on("response", lambda r: r.url.endswith(".woff2") and fetched.append((r.url.rsplit("/", 1)[-1], r.status)))
    page.goto(f"{site}/services/")
    page.evaluate("document.fonts.ready")
    fee = page.locator("td", has_text="֏").first
    assert "1000 ֏" in fee.inner_text()
    assert page.evaluate("document.fonts.check('16px \"Hamaynk Sans\"', '֏ Տեղեկանք')")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Hamaynk Sans') && f.status === 'loaded')"
        ".map(f => f.unicodeRange)"
    )
    assert any("U+530-58F" in r.upper() or "U+0530-058F" in r.upper() for r in loaded), loaded
    assert ("noto-sans-armenian-400.woff2", 200) in fetched
    family = page.evaluate("getComputedStyle(document.querySelector('td')).fontFamily")
    assert family.startswith('"Hamaynk Sans"')
