"""How the API sees registers and records. A record is `{"id": <uuid>, <field>: <value>, …}`
with every field of the register (null when empty); a query is an exact match on field values
(cleaned like input, so "17.05.1980" finds 1980-05-17) and on "id"."""

import uuid

from django.utils.translation import gettext as _

from hamaynk.api import ApiError

from .. import services
from ..models import Record, Register
from .common import content_of, not_found

# Values the API shows but never takes: the id is given by the register, and a file value
# names a stored file, which a client must not point at another record's upload.
READ_ONLY_TYPES = ("file",)


def register_for(code, version):
    register = Register.objects.filter(code=code).first()
    if register is None:
        raise not_found(_("No register “%(code)s”.") % {"code": code})
    if register.version != version:
        raise not_found(
            _("Register “%(code)s” has version %(version)s, not %(asked)s.")
            % {"code": code, "version": register.version, "asked": version}
        )
    return register


def content(register, record):
    return {"id": str(record.uuid), **{code: record.data.get(code) for code in register.field_types}}


def shown(register, record, actor):
    """The record's content for a client, logged as a read when it holds a personal identifier."""
    record.register = register
    services.log_read(record, channel="api", actor=actor)
    return content(register, record)


def record_by_id(register, record_id):
    try:
        return services.records(register).get(uuid=uuid.UUID(str(record_id)))
    except (ValueError, Record.DoesNotExist):
        raise not_found() from None


def query_content(body):
    """The body's query, which must name at least one field: an empty query would reach every
    record of the register."""
    query = content_of(body, "query")
    if not query:
        raise ApiError(400, _("The query needs at least one field."))
    return query


def matching(register, query):
    """Records equal to every field of `query`, oldest first. A null value matches an empty
    field; unknown fields and values a field could never hold are 400s."""
    types = register.field_types
    values = {k: v for k, v in query.items() if k != "id" and v is not None}
    empty = [k for k, v in query.items() if k != "id" and v is None]
    unknown = [k for k in empty if k not in types]
    if unknown:
        raise services.RecordInvalid({"__all__": [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}]})
    queryset = services.matching(register, values)
    for code in empty:
        queryset = queryset.exclude(data__has_key=code)
    if "id" in query:
        try:
            queryset = queryset.filter(uuid=uuid.UUID(str(query["id"])))
        except ValueError:
            queryset = queryset.none()
    return queryset.order_by("id")


def single_match(register, query):
    """The record the query matches, or None. Several matches are a 409: changing "one record"
    must not pick one at random."""
    found = list(matching(register, query)[:2])
    if len(found) > 1:
        raise ApiError(409, _("The query matches more than one record; use updateEntries to change them all."))
    return found[0] if found else None


def names_a_person(register, query):
    types = register.field_types
    return any(code in types and types[code].personal for code in query)


def writable(register, write, current=None):
    """The write content without its read-only parts ("id" and files). Those may only repeat
    the current values, so that a record read from the API can be sent back as it is."""
    raw = dict(write)
    base = {"id": str(current.uuid), **current.data} if current is not None else {}
    errors = {}
    for code in ["id", *(c for c, t in register.field_types.items() if t.spec["type"] in READ_ONLY_TYPES)]:
        if code in raw and raw.pop(code) != base.get(code):
            errors[code] = [
                _("The id is given by the register.") if code == "id" else _("Files cannot be changed through the API.")
            ]
    if errors:
        raise services.RecordInvalid(errors)
    return raw
