"""CSV import of budget figures. Every row is checked first and one bad row imports nothing;
a clean file replaces, in one transaction, every line of the years it holds, so a year is
always exactly what the last file said about it.

    year,category,planned,executed
    2025,01,"152 400 000","148 950 000"
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from hamaynk import csvinput, events

from .models import Category, Import, Line

COLUMNS = ("year", "category", "planned", "executed")
FIRST_YEAR, LAST_YEAR = 2000, 2100
# Whole drams, digits grouped by spaces (also no-break ones) or commas, as spreadsheets print them.
AMOUNT = re.compile(r"\d{1,3}(?:[ ,\u00a0\u202f]\d{3})+|\d+")
MAX_AMOUNT = 10**15 - 1  # far above any community budget; keeps typos out of the 64-bit column


class ImportInvalid(Exception):
    """`problems` lists (row in the file, column, reason); row 1 is the header."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


@dataclass(frozen=True)
class Change:
    """One category of one year: `old` and `new` are (planned, executed), None when absent."""

    category: Category
    old: tuple | None
    new: tuple | None

    @property
    def kind(self):
        return "new" if self.old is None else "removed" if self.new is None else "changed"


def _code_key(code):
    """Spreadsheets drop leading zeros ("01" becomes 1): numeric codes compare as numbers."""
    code = code.strip().upper()
    return str(int(code)) if code.isdecimal() else code


def parse(text):
    """{(year, category): (planned, executed)} from the file's text, or ImportInvalid listing
    every problem of every row."""
    try:
        rows = csvinput.read_rows(text, delimiter=csvinput.sniff_delimiter(text, ",;"))
    except csvinput.CsvInvalid as exc:
        raise ImportInvalid(exc.problems) from None
    columns, problems = _columns(rows[0]) if rows else ({}, [])
    if problems:
        raise ImportInvalid(problems)
    categories = {_code_key(c.code): c for c in Category.objects.all()}
    lines, seen = {}, {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: row[index].strip() if index < len(row) else "" for name, index in columns.items()}
        found = []
        year = _year(cells["year"], number, found)
        category = categories.get(_code_key(cells["category"]))
        if category is None:
            found.append(
                (
                    number,
                    "category",
                    _("No category has the code “%(code)s”. The codes are: %(codes)s.")
                    % {"code": cells["category"], "codes": ", ".join(c.code for c in categories.values())},
                )
            )
        if (year, category) in seen:
            found.append(
                (
                    number,
                    "category",
                    _("Year %(year)s and category %(code)s are on row %(row)s too.")
                    % {"year": year, "code": category.code, "row": seen[year, category]},
                )
            )
        elif year and category:
            seen[year, category] = number
        planned = _amount(cells["planned"], number, "planned", found)
        executed = _amount(cells["executed"], number, "executed", found)
        if found:
            problems += found
        else:
            lines[year, category] = (planned, executed)
    if not lines and not problems:
        problems.append((None, "", _("The file has no budget lines.")))
    if problems:
        raise ImportInvalid(problems)
    return lines


def _columns(header):
    """{column name: index}; other columns (such as the open-data file's names) are ignored."""
    columns, problems = {}, []
    for index, title in enumerate(header):
        name = title.strip().casefold()
        if name in COLUMNS:
            if name in columns:
                problems.append((1, name, _("The column appears twice.")))
            columns[name] = index
    problems += [(1, name, _("The column is missing.")) for name in COLUMNS if name not in columns]
    return columns, problems


def _year(text, number, problems):
    if text.isdecimal() and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text)
    problems.append(
        (number, "year", _("Enter a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR})
    )
    return None


def _amount(text, number, column, problems):
    if AMOUNT.fullmatch(text):
        value = int(re.sub(r"\D", "", text))
        if value <= MAX_AMOUNT:
            return value
        problems.append((number, column, _("The amount is too large.")))
        return None
    problems.append((number, column, _("Enter a whole number of drams, 0 or more, such as 1 250 000.")))
    return None


def changes(lines):
    """{year: [Change]} for the years in `lines`, against what is stored: what confirming the
    import would add, change and remove. Unchanged categories are left out."""
    years = sorted({year for year, _category in lines})
    stored = {
        (line.year, line.category): (line.planned, line.executed)
        for line in Line.objects.filter(year__in=years).select_related("category")
    }
    result = {year: [] for year in years}
    for key in sorted(set(stored) | set(lines), key=lambda k: (k[0], k[1].position, k[1].code)):
        old, new = stored.get(key), lines.get(key)
        if old != new:
            result[key[0]].append(Change(key[1], old, new))
    return result


def apply(lines, *, user, file_name, sha256):
    """Replaces every line of the years in `lines` and records the import, all or nothing."""
    years = sorted({year for year, _category in lines})
    with transaction.atomic():
        # Two imports at once would each delete and then both insert: the second waits here.
        list(Category.objects.select_for_update().only("id"))
        Line.objects.filter(year__in=years).delete()
        Line.objects.bulk_create(
            [
                Line(year=year, category=category, planned=planned, executed=executed)
                for (year, category), (planned, executed) in lines.items()
            ]
        )
        done = Import.objects.create(user=user, file_name=file_name[:255], sha256=sha256, years=years, rows=len(lines))
        events.record("budget.published", done, {"import_id": done.pk, "years": years, "rows": len(lines)})
        return done
