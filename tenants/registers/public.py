"""Public registers without sign-in: only public fields of public registers, only records the
register's `public_when` field marks, never a personal identifier."""

import json

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from hamaynk import throttle

from . import services
from .models import Record, Register
from .views import csv_response

PAGE_SIZE = 30


def public_fields(register):
    return [t for t in register.field_types.values() if t.public and not t.personal]


def public_records(register):
    queryset = services.records(register)
    if register.public_when:
        queryset = queryset.filter(data__contains={register.public_when: True})
    return queryset


def list_columns(register):
    """The public fields a list shows: the register's list fields, else its first four."""
    fields = public_fields(register)
    return [t for t in fields if t.name in register.list_fields] or fields[:4]


def public_values(register, record):
    """(field, text shown, stored value) of each public field of a record."""
    return [(t, t.display(record.data.get(t.name)), record.data.get(t.name)) for t in public_fields(register)]


def _public_register(code):
    return get_object_or_404(Register, code=code, is_public=True)


def index(request):
    return render(request, "registers/public_index.html", {"registers": Register.objects.filter(is_public=True)})


def record_list(request, code):
    register = _public_register(code)
    queryset = public_records(register)
    text = request.GET.get("q", "").strip()
    if text:
        queryset = services.full_text(queryset, text)
    columns = list_columns(register)
    page = Paginator(queryset.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, [t.display(r.data.get(t.name)) for t in columns]) for r in page]
    return render(
        request,
        "registers/public_list.html",
        {"register": register, "columns": columns, "rows": rows, "page": page, "q": text},
    )


def record_detail(request, code, record_uuid):
    register = _public_register(code)
    try:
        record = public_records(register).get(uuid=record_uuid)
    except Record.DoesNotExist:
        raise Http404 from None
    values = public_values(register, record)
    return render(request, "registers/public_detail.html", {"register": register, "record": record, "values": values})


@throttle.limit("downloads")
def public_file(request, code, record_uuid, field):
    from django.http import FileResponse

    from . import files

    register = _public_register(code)
    types = {t.name: t for t in public_fields(register)}
    try:
        record = public_records(register).get(uuid=record_uuid)
    except Record.DoesNotExist:
        raise Http404 from None
    value = record.data.get(field)
    if field not in types or types[field].spec["type"] != "file" or not value:
        raise Http404
    return FileResponse(
        files.open_file(value), as_attachment=True, filename=value["name"], content_type=value["content_type"]
    )


def open_data(request, code, fmt):
    """Stable open-data URLs: /registers/<code>.csv and .json, public fields only."""
    if fmt not in ("csv", "json"):
        raise Http404
    register = _public_register(code)
    fields = public_fields(register)
    queryset = public_records(register).order_by("id")
    if fmt == "json":
        records = [
            {"id": str(r.uuid), **{t.name: r.data.get(t.name) for t in fields}}
            for r in queryset.iterator(chunk_size=2000)
        ]
        response = HttpResponse(
            json.dumps(
                {
                    "register": register.code,
                    "version": register.version,
                    "fields": [t.name for t in fields],
                    "records": records,
                },
                ensure_ascii=False,
            ),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = csv_response(fields, queryset)
    response["Access-Control-Allow-Origin"] = "*"
    return response
