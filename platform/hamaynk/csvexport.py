"""Every CSV file Hamaynk hands out is written here, so none can carry a spreadsheet formula.

People open exports in Excel or LibreOffice. A cell beginning with `=`, `+`, `-` or `@` (or a
tab or carriage return, which some programs skip before reading a formula) is taken as a
formula: a record whose title is `=HYPERLINK("http://…", "click")` would become a live link in
the clerk's spreadsheet, and `=cmd|…` can run programs. Following OWASP's advice on CSV
injection, such a cell is written with a leading apostrophe, which makes the spreadsheet read it
as text.

Numbers stay numbers. A cell given as an int, float or Decimal is written as it is, and a text
cell that is exactly a plain number (an optional minus sign, digits, an optional decimal point
and digits, e.g. a budget's `-1500` or a register's `-12.50`) is left alone too: the spreadsheet
reads it as a number, and without letters, spaces or operators it cannot call a function.

The escape is reversible, so an exported file can be edited and imported again: `restore`
removes the apostrophe that `neutralise` added. A value that already began with apostrophes
before a trigger character gets one more, so nothing a person typed is lost on the way back.

Code outside this module never uses `csv.writer` or builds a `text/csv` response itself; a test
walks the sources to keep it so.
"""

import csv
import io
import re
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
CONTENT_TYPE = "text/csv; charset=utf-8"
# The byte-order mark lets spreadsheets open the file as UTF-8 (Armenian and Russian text);
# Hamaynk's own imports accept it back.
BOM = "\ufeff"


def neutralise(value):
    """The cell to write for `value`: numbers as they are, None as empty, text made inert."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.lstrip(ESCAPE).startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(text):
        return ESCAPE + text
    return text


def restore(text):
    """The value a cell stood for before `neutralise`: one escaping apostrophe removed."""
    if text.startswith(ESCAPE) and text.lstrip(ESCAPE).startswith(TRIGGERS):
        return text[1:]
    return text


class _Line:
    """A file-like object that hands back what the csv module writes, one line at a time."""

    def write(self, value):
        return value


def lines(header, rows, *, bom=True):
    """The file's lines (header first) as text, produced lazily for streaming responses."""
    writer = csv.writer(_Line())
    yield (BOM if bom else "") + writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def text(header, rows, *, bom=True):
    """The whole file as one string."""
    out = io.StringIO()
    for line in lines(header, rows, bom=bom):
        out.write(line)
    return out.getvalue()


def response(header, rows, *, filename=None, disposition="attachment", stream=False, bom=True):
    """A CSV response. `stream` for exports of any size (rows read while sending); `filename`
    adds a Content-Disposition of the given kind ("attachment" or "inline")."""
    if stream:
        answer = StreamingHttpResponse(lines(header, rows, bom=bom), content_type=CONTENT_TYPE)
    else:
        answer = HttpResponse(text(header, rows, bom=bom), content_type=CONTENT_TYPE)
    if filename:
        answer["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return answer
