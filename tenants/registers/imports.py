"""CSV import: every row is checked first; one bad row and nothing is imported.

The header names fields by code or by their name in any of the three languages. Rows are
written in batches with COPY, inside one transaction, together with their
unique values and history, so the import is all or nothing.
"""

import json
import uuid

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hamaynk import csvinput, events

from .fields import FieldError
from .models import RecordChange, UniqueValue
from .services import ImportReport, search_text

BATCH = 2000
MAX_BYTES = 50 * 1024 * 1024


class ImportInvalid(Exception):
    def __init__(self, report):
        self.report = report
        super().__init__(f"{len(report.errors)} problem(s)")


def read_csv(upload):
    """Text rows of an uploaded CSV (UTF-8, with or without BOM; comma, semicolon or tab; any
    line ends), read by the platform's one CSV reader."""
    raw = upload.read(MAX_BYTES + 1) if hasattr(upload, "read") else upload
    if isinstance(raw, bytes) and len(raw) > MAX_BYTES:
        raise ImportInvalid(ImportReport(errors=[(0, "", _("The file is larger than 50 MB."))]))
    try:
        return csvinput.read_rows(raw)
    except csvinput.CsvInvalid as exc:
        raise ImportInvalid(ImportReport(errors=exc.problems)) from None


def map_header(register, header):
    """Column index -> field code; unknown columns are errors."""
    names = {}
    for code, field_type in register.field_types.items():
        names[code.casefold()] = code
        for label in field_type.spec["name"].values():
            names[label.casefold().strip()] = code
    mapping, errors = {}, []
    for index, title in enumerate(header):
        code = names.get(title.casefold().strip())
        if code is None:
            errors.append((1, title, _("No field of this register is called “%(name)s”.") % {"name": title}))
        elif code in mapping.values():
            errors.append((1, title, _("The column appears twice.")))
        else:
            mapping[index] = code
    missing = [c for c, t in register.field_types.items() if t.required and c not in mapping.values()]
    for code in missing:
        errors.append((1, code, _("The required column is missing.")))
    return mapping, errors


def check(register, rows):
    """Cleans every row. Returns (report, cleaned data list); the report lists each problem as
    (row number in the file, field, reason)."""
    report = ImportReport()
    if not rows:
        report.errors.append((0, "", _("The file is empty.")))
        return report, []
    mapping, report.errors = map_header(register, rows[0])
    if report.errors:
        return report, []
    types = register.field_types
    unique_fields = [c for c, t in types.items() if t.unique]
    seen = {c: {} for c in unique_fields}
    cleaned = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        report.rows += 1
        if len(row) > len(rows[0]):
            report.errors.append((number, "", _("The row has more cells than the header.")))
            continue
        data = {}
        for index, code in mapping.items():
            text = row[index] if index < len(row) else ""
            try:
                value = types[code].clean(types[code].from_text(text))
            except FieldError as exc:
                report.errors.append((number, code, str(exc)))
                continue
            if value is not None:
                data[code] = value
        for code in unique_fields:
            if code in data:
                key = types[code].unique_key(data[code])
                if key in seen[code]:
                    report.errors.append(
                        (number, code, _("The same value is on row %(row)s.") % {"row": seen[code][key]})
                    )
                seen[code][key] = number
        cleaned.append(data)
    _check_taken(register, seen, report)
    order = {code: index for index, code in enumerate(types)}
    report.errors.sort(key=lambda e: (e[0], order.get(e[1], -1)))
    return report, cleaned


def _check_taken(register, seen, report):
    for code, values in seen.items():
        if not values:
            continue
        taken = set()
        keys = list(values)
        for start in range(0, len(keys), 5000):
            taken.update(
                UniqueValue.objects.filter(
                    register=register, field=code, value__in=keys[start : start + 5000]
                ).values_list("value", flat=True)
            )
        for key in sorted(taken, key=values.get):
            report.errors.append((values[key], code, _("This value is already in the register.")))


def run(register, rows, *, user=None):
    """Checks, then imports everything or nothing. Raises ImportInvalid with the report."""
    report, cleaned = check(register, rows)
    if report.errors:
        raise ImportInvalid(report)
    with transaction.atomic():
        _write(register, cleaned, user)
    report.created = len(cleaned)
    return report


def _write(register, cleaned, user):
    """COPY the records, their unique values and history: Django's bulk insert escapes every
    JSON document element by element in Python, COPY streams them through psycopg's C code."""
    types = register.field_types
    unique_fields = [c for c, t in types.items() if t.unique]
    now = timezone.now()
    user_id = user.pk if user else None
    with connection.cursor() as cursor:
        for start in range(0, len(cleaned), BATCH):
            batch = cleaned[start : start + BATCH]
            ids = _next_ids(len(batch))
            uuids = [uuid.uuid4() for _ in batch]
            _copy(
                cursor,
                "registers_record",
                [
                    "id",
                    "register_id",
                    "uuid",
                    "data",
                    "search_text",
                    "version",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "updated_by_id",
                ],
                (
                    [
                        record_id,
                        register.pk,
                        record_uuid,
                        json.dumps(data, ensure_ascii=False),
                        search_text(register, data),
                        1,
                        now,
                        now,
                        user_id,
                        user_id,
                    ]
                    for record_id, record_uuid, data in zip(ids, uuids, batch)
                ),
            )
            _copy(
                cursor,
                "registers_uniquevalue",
                ["register_id", "field", "value", "record_id"],
                (
                    [register.pk, code, types[code].unique_key(data[code])[:400], record_id]
                    for record_id, data in zip(ids, batch)
                    for code in unique_fields
                    if code in data
                ),
            )
            events.record_many(
                "register.record.created",
                (
                    (
                        ("registers.record", record_id),
                        {
                            "register": register.code,
                            "record_id": record_id,
                            "record_uuid": str(record_uuid),
                            "version": 1,
                        },
                    )
                    for record_id, record_uuid in zip(ids, uuids)
                ),
            )
            _copy(
                cursor,
                "registers_recordchange",
                ["record_id", "action", "at", "user_id", "actor", "changes"],
                (
                    [
                        record_id,
                        RecordChange.Action.IMPORT,
                        now,
                        user_id,
                        "",
                        json.dumps({k: [None, v] for k, v in data.items()}, ensure_ascii=False),
                    ]
                    for record_id, data in zip(ids, batch)
                ),
            )


def _copy(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _next_ids(count):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('registers_record', 'id')) FROM generate_series(1, %s)", [count]
        )
        return [row[0] for row in cursor.fetchall()]
