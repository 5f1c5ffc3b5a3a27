"""The list endpoint's parameters: `search` (full text, or within the `filter` field),
`query.<field>` (exact), `ordering` and `page`/`pageSize`, answered in the spec's
`{count, next, previous, results}` shape."""

import math

from django.db.models import DecimalField, F
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from .. import services
from ..fields import FieldError
from . import records

PAGE_SIZE = 20
MAX_PAGE_SIZE = 200
# Types searched by "contains"; the others (choices, yes/no, numbers, dates, references) by
# equality with the cleaned value, so "Female" or "17.05.1980" find what is stored.
CONTAINS_TYPES = ("text", "long_text", "address", "personal_id")
DIRECTIONS = {"ascending": False, "asc": False, "descending": True, "desc": True}


def filtered(register, params):
    criteria = {key[len("query.") :]: value for key, value in params.items() if key.startswith("query.")}
    queryset = records.matching(register, criteria)
    text = params.get("search", "").strip()
    field = params.get("filter", "").strip()
    if field:
        return _within_field(register, queryset, field, text)
    return services.full_text(queryset, text) if text else queryset


def _within_field(register, queryset, code, text):
    """`filter` names the field `search` looks in; without `search`, the records that have a
    value in it."""
    field_type = register.field_types.get(code)
    if field_type is None:
        raise services.RecordInvalid({"filter": [_("Unknown field: %(field)s.") % {"field": code}]})
    if not text:
        return queryset.filter(data__has_key=code)
    if field_type.spec["type"] in CONTAINS_TYPES:
        return queryset.annotate(_searched=KeyTextTransform(code, "data")).filter(_searched__icontains=text)
    try:
        return queryset.filter(data__contains={code: field_type.convert(text)})
    except FieldError as exc:
        raise services.RecordInvalid({"search": [str(exc)]}) from None


def ordered(register, queryset, ordering):
    """`ordering`: "ascending"/"descending" (the order records were created in, the default),
    or field codes separated by commas, each with "-" for descending. Empty values go last."""
    keys = []
    errors = []
    for part in (p.strip() for p in ordering.split(",")):
        if not part:
            continue
        if part.lower() in DIRECTIONS:
            keys.append(F("id").desc() if DIRECTIONS[part.lower()] else F("id").asc())
            continue
        descending, code = part.startswith("-"), part.lstrip("-")
        if code not in register.field_types:
            errors.append(_("Unknown field: %(field)s.") % {"field": code})
            continue
        value = _sort_value(register.field_types[code], code)
        keys.append(value.desc(nulls_last=True) if descending else value.asc(nulls_last=True))
    if errors:
        raise services.RecordInvalid({"ordering": errors})
    return queryset.order_by(*keys, "id")


def _sort_value(field_type, code):
    kind = field_type.spec["type"]
    if kind == "decimal":  # stored as text so that no digit is lost; sorted as a number
        return Cast(KeyTextTransform(code, "data"), DecimalField(max_digits=30, decimal_places=10))
    if kind == "integer":
        return KeyTransform(code, "data")
    return KeyTextTransform(code, "data")


def page_numbers(params):
    errors = {}
    numbers = {}
    for name, default, limit in (("page", 1, None), ("pageSize", PAGE_SIZE, MAX_PAGE_SIZE)):
        try:
            numbers[name] = int(params.get(name) or default)
        except ValueError:
            numbers[name] = 0
        if numbers[name] < 1 or (limit and numbers[name] > limit):
            errors[name] = [
                _("A whole number from 1 to %(limit)s.") % {"limit": limit} if limit else _("A whole number from 1.")
            ]
    if errors:
        raise services.RecordInvalid(errors)
    return numbers["page"], numbers["pageSize"]


def page_of(request, queryset):
    """(count, records of the page, next URL, previous URL). A page past the end is empty and
    its previous page is the last one."""
    page, size = page_numbers(request.GET)
    count = queryset.count()
    last = max(1, math.ceil(count / size))
    rows = list(queryset[(page - 1) * size : page * size])
    next_url = _link(request, page + 1) if page < last else None
    previous_url = _link(request, min(page - 1, last)) if page > 1 else None
    return count, rows, next_url, previous_url


def _link(request, page):
    params = request.GET.copy()
    params["page"] = page
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
