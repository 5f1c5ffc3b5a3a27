"""The platform's typeface: Noto Sans for Latin and Cyrillic with Noto Sans Armenian for the
Armenian alphabet and the dram sign ֏ (U+058F), both under the SIL Open Font License (OFL.txt).

No single Noto file covers all three scripts, so every use pairs the two: PDFs embed the TrueType
files below with the Armenian one as fpdf2's fallback, and the site's CSS serves a WOFF2 subset of
each under one family name, told apart by `unicode-range` (made by `python -m hamaynk.fonts.webfonts`,
docs/decisions.md)."""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent

# style ("" regular, "B" bold) -> file, for Latin and Cyrillic and for Armenian.
LATIN = {"": FOLDER / "NotoSans-Regular.ttf", "B": FOLDER / "NotoSans-Bold.ttf"}
ARMENIAN = {"": FOLDER / "NotoSansArmenian-Regular.ttf", "B": FOLDER / "NotoSansArmenian-Bold.ttf"}
