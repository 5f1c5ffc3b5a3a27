"""Makes the site's web fonts: a WOFF2 subset of each TrueType file in this folder, holding the
characters of `RANGES` only, written to static/hamaynk/fonts/. The CSS (static/hamaynk/site.css)
declares the same ranges in `unicode-range`, so a browser fetches the Armenian file for an
Armenian page and the Latin one only when a page has Latin or Cyrillic text.

The subsets are committed; run this again only after replacing a font or changing the ranges:

    pip install "fonttools[woff]"
    python -m hamaynk.fonts.webfonts
"""

import sys
from pathlib import Path

from hamaynk.fonts import ARMENIAN, LATIN

OUTPUT = Path(__file__).resolve().parent.parent / "static" / "hamaynk" / "fonts"

# (first, last) code points of each file's subset, as the CSS unicode-range says them.
RANGES = {
    "armenian": [
        (0x0530, 0x058F),  # Armenian, with the dram sign U+058F
        (0xFB13, 0xFB17),  # Armenian ligatures
    ],
    "latin-cyrillic": [
        (0x0000, 0x00FF),  # Basic Latin and Latin-1 (digits, punctuation, «», ·, non-breaking space)
        (0x0100, 0x017F),  # Latin Extended-A (transliterated names)
        (0x0400, 0x04FF),  # Cyrillic
        (0x2000, 0x206F),  # General Punctuation (— – … ‘’ “”)
        (0x20A0, 0x20CF),  # Currency symbols
        (0x2100, 0x214F),  # Letterlike symbols (№)
        (0x2190, 0x21FF),  # Arrows
        (0x2212, 0x2212),  # minus sign
    ],
}
SOURCES = {"armenian": ARMENIAN, "latin-cyrillic": LATIN}
WEIGHTS = {"": 400, "B": 700}


def file_name(subset, weight):
    return f"noto-sans-{subset}-{weight}.woff2"


def unicode_range(subset):
    """The CSS `unicode-range` value of a subset."""
    return ", ".join(
        f"U+{first:04X}" if first == last else f"U+{first:04X}-{last:04X}" for first, last in RANGES[subset]
    )


def build(output=OUTPUT):
    from fontTools import subset

    written = []
    for name, files in SOURCES.items():
        codepoints = [code for first, last in RANGES[name] for code in range(first, last + 1)]
        for style, source in files.items():
            options = subset.Options()
            options.flavor = "woff2"
            options.name_IDs = ["*"]  # keep the copyright and licence names
            options.notdef_outline = True
            font = subset.load_font(str(source), options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=codepoints)
            subsetter.subset(font)
            target = Path(output) / file_name(name, WEIGHTS[style])
            subset.save_font(font, str(target), options)
            written.append(target)
    return written


if __name__ == "__main__":
    for path in build():
        print(f"{path.name}: {path.stat().st_size} bytes", file=sys.stdout)
