"""Reading the CSV files people upload: one reader for every import, so each one accepts the same
files and refuses the same ones with the same row-and-column messages.

Spreadsheets write CRLF, LF or (old Mac exports) CR alone; all three are line ends here. A cell
longer than CSV_MAX_CELL_CHARS or holding a NUL is reported with its row and column before
anything is imported, so a file that passes the preview also passes on confirm. The apostrophe
that CSV exports put before a cell that would start a formula (hamaynk.csvexport) is taken off,
so an exported file comes back as it went out.
"""

import csv
import io

from django.conf import settings
from django.utils.translation import gettext as _

from hamaynk import csvexport
from hamaynk.inputs import unstorable

# The csv module's own limit (128 KiB a field) raises an error that names no field; ours is
# checked per cell instead, so the module's is set well above any file we accept.
csv.field_size_limit(max(csv.field_size_limit(), 512 * 1024 * 1024))
MAX_PROBLEMS = 200


class CsvInvalid(Exception):
    """`problems`: [(row in the file (1 is the header, 0 the whole file), column, reason)]."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


def decode(raw):
    """The text of an uploaded file: UTF-8, with or without a byte-order mark."""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvInvalid(
            [
                (
                    line,
                    "",
                    _("The file is not UTF-8 text (line %(line)s). In your spreadsheet, save it as “CSV UTF-8”.")
                    % {"line": line},
                )
            ]
        ) from None


def sniff_delimiter(text, delimiters=",;\t"):
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {d: first.count(d) for d in delimiters}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_rows(raw, delimiter=None, max_cell=None):
    """Every row of the file as a list of strings, or CsvInvalid listing every bad cell by row
    and column (the header's title where there is one)."""
    text = decode(raw)
    max_cell = max_cell or settings.CSV_MAX_CELL_CHARS
    delimiter = delimiter or sniff_delimiter(text)
    # newline="" lets the csv module see CR, LF and CRLF as they are and treat each as a line end.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, problems, header = [], [], None
    try:
        for row in reader:
            number = len(rows) + 1
            for index, cell in enumerate(row):
                column = header[index] if header and index < len(header) else str(index + 1)
                if len(cell) > max_cell:
                    problems.append(
                        (
                            number,
                            column,
                            _("The cell has %(length)s characters; at most %(max)s are accepted.")
                            % {"length": len(cell), "max": max_cell},
                        )
                    )
                elif unstorable(cell):
                    problems.append(
                        (
                            number,
                            column,
                            _(
                                "The cell contains a character that is not allowed (a NUL "
                                "or an invalid Unicode character)."
                            ),
                        )
                    )
            if header is None:
                header = [cell.strip()[:100] for cell in row]
            rows.append([csvexport.restore(cell) for cell in row])
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error as exc:
        problems.append((len(rows) + 1, "", _("The file is not valid CSV here: %(reason)s.") % {"reason": exc}))
    if problems:
        raise CsvInvalid(problems)
    return rows
