"""The GovStack Digital Registries data API over a municipality's registers
(/api/dr/data/{registryName}/{versionNumber}/…). Changes go through the registers' services,
so they are cleaned, unique values are enforced and the history names the Information Mediator
client; every record shown that holds a personal identifier is logged as an API read."""

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from hamaynk.api import ApiError, json_body, json_response

from .. import services
from . import listing
from .common import content_of, endpoint, not_found
from .records import (
    content,
    matching,
    names_a_person,
    query_content,
    record_by_id,
    register_for,
    shown,
    single_match,
    writable,
)


@endpoint("GET")
def record_list(request, registry, version):
    register = register_for(registry, version)
    queryset = listing.ordered(register, listing.filtered(register, request.GET), request.GET.get("ordering", ""))
    count, rows, next_url, previous_url = listing.page_of(request, queryset)
    return json_response(
        {
            "count": count,
            "next": next_url,
            "previous": previous_url,
            "results": [shown(register, record, request.actor) for record in rows],
        }
    )


@endpoint("POST", write=True)
def create(request, registry, version):
    """200 with the stored content (the spec answers create with 200, not 201)."""
    register = register_for(registry, version)
    write = writable(register, content_of(json_body(request), "write"))
    record = services.create(register, write, actor=request.actor)
    return json_response({"content": content(register, record)})


@endpoint("POST")
def exists(request, registry, version):
    """A yes or no. When the query names a personal identifier, a yes tells the client about
    that person, so it is logged as a read of the records found."""
    register = register_for(registry, version)
    query = query_content(json_body(request))
    queryset = matching(register, query)
    found = queryset.exists()
    if found and names_a_person(register, query):
        for record in queryset:
            shown(register, record, request.actor)
    message = _("The register has a matching record.") if found else _("The register has no matching record.")
    return json_response({"answer": {"status": found, "message": message}})


@endpoint("POST")
def read(request, registry, version):
    """The first record (oldest) the query matches."""
    register = register_for(registry, version)
    record = matching(register, query_content(json_body(request))).first()
    if record is None:
        raise not_found()
    return json_response({"content": shown(register, record, request.actor)})


@endpoint("PUT", write=True)
def update(request, registry, version):
    """Changes the fields of `write` in the one record the query matches; answers with the
    record as it now is."""
    register = register_for(registry, version)
    body = json_body(request)
    query, write = query_content(body), content_of(body, "write")
    record = single_match(register, query)
    if record is None:
        raise not_found()
    record = services.update(record, writable(register, write, record), actor=request.actor)
    return json_response({"content": shown(register, record, request.actor)})


@endpoint("PUT", write=True)
def update_entries(request, registry, version):
    """Changes every matching record, or none: one invalid record refuses the whole request."""
    register = register_for(registry, version)
    body = json_body(request)
    query, write = query_content(body), content_of(body, "write")
    with transaction.atomic():
        targets = list(matching(register, query))
        for record in targets:
            try:
                services.update(record, writable(register, write, record), actor=request.actor)
            except services.RecordInvalid as exc:
                raise ApiError(
                    400,
                    _("Record %(id)s: the content is not valid; nothing was changed.") % {"id": record.uuid},
                    errors=exc.errors,
                ) from None
    return json_response({"count": len(targets)})


@endpoint("POST", write=True)
def update_or_create(request, registry, version):
    """Updates the one matching record, or creates a record from the query's and the write's
    fields together. A query by id that finds nothing is a 404: the register gives ids."""
    register = register_for(registry, version)
    body = json_body(request)
    query, write = query_content(body), content_of(body, "write")
    record = single_match(register, query)
    if record is not None:
        record = services.update(record, writable(register, write, record), actor=request.actor)
        return json_response({"content": shown(register, record, request.actor)})
    if "id" in query:
        raise not_found()
    data = {code: value for code, value in query.items() if value is not None}
    data.update(write)
    record = services.create(register, writable(register, data), actor=request.actor)
    return json_response({"content": content(register, record)})


@endpoint("DELETE", write=True)
def delete(request, registry, version, record_id):
    """204. The record leaves the register; it keeps its history (services.delete)."""
    register = register_for(registry, version)
    services.delete(record_by_id(register, record_id), actor=request.actor)
    return HttpResponse(status=204)


@endpoint("GET")
def read_value(request, registry, version, record_id, field, ext):
    """One field: `.json` → {"value": …}, `.txt` → the value as plain text."""
    register = register_for(registry, version)
    record = record_by_id(register, record_id)
    if field != "id" and field not in register.field_types:
        raise not_found(_("No field “%(field)s” in this register.") % {"field": field})
    if ext not in ("json", "txt"):
        raise not_found(_("Unknown format “%(ext)s”; use json or txt.") % {"ext": ext})
    value = shown(register, record, request.actor)[field]
    if ext == "json":
        return json_response({"value": value})
    text = value if field == "id" else register.field_types[field].to_text(value)
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
