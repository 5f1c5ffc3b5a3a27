"""The one place where request input is checked before any view or model sees it.

PostgreSQL refuses a NUL character in text, Python's JSON parser recurses once per level of
nesting, a 64-bit column refuses a larger integer and a varchar refuses a longer string: each of
these used to reach the database from some page or API and end as a server error. Instead of a
check in every view, every request passes `InputGuardMiddleware`, which refuses such input with
400 (413 for a body that is too large) and a message people can act on, before anything is
read or written. What the middleware cannot know — how long a model's column is — is checked on
save by `check_model_values` (wired to `pre_save` for every model), and a `FieldErrors` or a
database `DataError` that still escapes a view is answered 400 here rather than 500.
"""

import json
import logging
import math
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DataError, models
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.dateparse import parse_datetime as django_parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hamaynk.errors import FieldErrors

logger = logging.getLogger(__name__)

MAX_BIGINT = 2**63 - 1
MIN_BIGINT = -(2**63)
# Text a PostgreSQL text column cannot hold: NUL, and UTF-16 surrogates (only JSON's \u escapes
# can produce them; psycopg cannot encode them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The same in JSON text: only an escape (\u0000, \ud800…) can put either into a JSON string, so
# the parsed strings are walked only when the raw text has such an escape.
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF][0-9a-fA-F]{2})")

# Where a refused character was found; translated only when something is refused.
IN_ADDRESS = gettext_lazy("The address")
IN_HEADER = gettext_lazy("A request header")
IN_COOKIE = gettext_lazy("A cookie")
IN_PARAMETER_NAME = gettext_lazy("A parameter name")
IN_PARAMETER = gettext_lazy("The parameter “%(name)s”")
IN_FIELD_NAME = gettext_lazy("A field name")
IN_FIELD = gettext_lazy("The field “%(name)s”")
IN_FILE_NAME = gettext_lazy("The name of the file in “%(name)s”")
IN_BODY_TEXT = gettext_lazy("A text in the body")
IN_BODY_NAME = gettext_lazy("A name in the body")


class BadInput(Exception):
    """Input refused before it reached a view: `status` is 400 or 413."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message, self.status = message, status


def unstorable(text):
    """True when `text` holds a character no text column can store."""
    return bool(_UNSTORABLE.search(text))


def check_text(text, where, name=""):
    """BadInput when `text` holds a NUL or a surrogate; `where` (one of the IN_… texts) names
    the place, with `name` for the parameter or field."""
    if _UNSTORABLE.search(text):
        place = str(where) % {"name": name[:50]} if "%(name)s" in str(where) else str(where)
        raise BadInput(
            _("%(where)s contains a character that is not allowed (a NUL or an invalid Unicode character).")
            % {"where": place}
        )


# JSON ------------------------------------------------------------------------------------------


def json_depth(value):
    """The deepest nesting of arrays and objects in parsed JSON, walked without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            pending.extend((inner, depth + 1) for inner in item.values() if isinstance(inner, (dict, list)))
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            pending.extend((inner, depth + 1) for inner in item if isinstance(inner, (dict, list)))
    return deepest


def _parse_int(literal):
    value = int(literal)
    if not MIN_BIGINT <= value <= MAX_BIGINT:
        raise BadInput(
            _("The body holds a number beyond the 64-bit range (%(digits)s digits).")
            % {"digits": len(literal.lstrip("-"))}
        )
    return value


def _parse_float(literal):
    value = float(literal)
    if not math.isfinite(value):
        raise BadInput(_("The body holds a number too large to store."))
    return value


def _refuse_constant(name):
    raise BadInput(_("The body holds %(name)s, which is not a JSON number.") % {"name": name})


def _check_strings(value):
    """NUL or surrogates anywhere in keys or strings, walked without recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            check_text(item, IN_BODY_TEXT)
        elif isinstance(item, dict):
            for key, inner in item.items():
                check_text(key, IN_BODY_NAME)
                pending.append(inner)
        elif isinstance(item, list):
            pending.extend(item)


def parse_json(raw):
    """JSON bytes or text as Python values, or BadInput: not UTF-8, not JSON, nested deeper than
    INPUT_MAX_JSON_DEPTH, an integer beyond 64 bits, NaN or Infinity, NUL in a string."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(_("The body is not UTF-8 text.")) from None
    if not raw.strip():
        return None
    limit = settings.INPUT_MAX_JSON_DEPTH
    too_deep = _("The body is nested more than %(limit)s levels deep.") % {"limit": limit}
    try:
        value = json.loads(raw, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_refuse_constant)
    except RecursionError:  # the parser gave up thousands of levels down
        raise BadInput(too_deep) from None
    except ValueError:
        raise BadInput(_("The body is not valid JSON.")) from None
    if json_depth(value) > limit:
        raise BadInput(too_deep)
    if _ESCAPED_UNSTORABLE.search(raw):
        _check_strings(value)
    return value


def request_json(request):
    """The request's body as JSON, parsed once per request by the shared rules above."""
    if not hasattr(request, "_hamaynk_json"):
        try:
            body = request.body
        except RequestDataTooBig:
            raise BadInput(_("The body is too large."), status=413) from None
        request._hamaynk_json = parse_json(body)
    return request._hamaynk_json


def _is_json(request):
    content_type = request.content_type or ""
    return content_type == "application/json" or content_type.endswith("+json")


# Query parameters that are whole numbers wherever they appear ----------------------------------


def integer_parameter(request, name, default=None, minimum=0, maximum=MAX_BIGINT):
    """A whole-number query parameter within [minimum, maximum]; `default` when absent or empty.
    Anything else is BadInput naming the parameter and the range."""
    text = request.GET.get(name, "").strip()
    if not text:
        return default
    if not re.fullmatch(r"-?\d{1,30}", text) or not minimum <= int(text) <= maximum:
        raise BadInput(
            _("“%(name)s” must be a whole number from %(min)s to %(max)s.")
            % {"name": name, "min": minimum, "max": maximum}
        )
    return int(text)


def _check_integer_parameters(request):
    """Parameters named in INPUT_INTEGER_PARAMETERS are numbers everywhere (pages, offsets,
    years); a value of digits beyond their range is refused here, whatever view reads it.
    Values that are not digits at all are left to the view (a page "abc" shows the first page)."""
    for name, (minimum, maximum) in settings.INPUT_INTEGER_PARAMETERS.items():
        for text in request.GET.getlist(name):
            text = text.strip()
            if re.fullmatch(r"[-+]?\d+", text) and not minimum <= int(text) <= maximum:
                raise BadInput(
                    _("“%(name)s” must be a whole number from %(min)s to %(max)s.")
                    % {"name": name, "min": minimum, "max": maximum}
                )


def parse_datetime(text):
    """An ISO 8601 date and time, or None when it is not one (Django's parser raises on an
    offset such as +99:00 instead of answering None)."""
    try:
        return django_parse_datetime(text)
    except ValueError:
        return None


# The middleware --------------------------------------------------------------------------------


def check_request(request):
    """Raises BadInput for anything in the request no view should have to handle."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        raise BadInput(_("The Content-Length header is not a number."))
    if int(length) > settings.INPUT_MAX_REQUEST_BYTES:
        raise BadInput(
            _("The request is larger than %(mb)s MB.") % {"mb": settings.INPUT_MAX_REQUEST_BYTES // (1024 * 1024)},
            status=413,
        )
    check_text(request.path_info, IN_ADDRESS)
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str):
            check_text(value, IN_HEADER)
    for name, value in request.COOKIES.items():
        check_text(name + value, IN_COOKIE)
    for name, values in request.GET.lists():
        check_text(name, IN_PARAMETER_NAME)
        for value in values:
            check_text(value, IN_PARAMETER, name)
    _check_integer_parameters(request)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if _is_json(request):
        request_json(request)
        return
    try:
        fields, files = request.POST, request.FILES
    except RequestDataTooBig:
        raise BadInput(_("The body is too large."), status=413) from None
    except TooManyFieldsSent:
        raise BadInput(_("The form has too many fields.")) from None
    for name, values in fields.lists():
        check_text(name, IN_FIELD_NAME)
        for value in values:
            check_text(value, IN_FIELD, name)
    for name, uploads in files.lists():
        for upload in uploads:
            check_text(upload.name or "", IN_FILE_NAME, name)


def wants_json(request):
    return request.path_info.startswith("/api/") or _is_json(request)


def bad_input_response(request, message, status=400, errors=None):
    """The answer to refused input: JSON under /api/, else a page in the visitor's language."""
    if wants_json(request):
        body = {"detail": message}
        if errors:
            body["errors"] = errors
        return HttpResponse(
            json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
        )
    problems = [m for ms in (errors or {}).values() for m in ms]
    return render(
        request, "hamaynk/bad_request.html", {"message": message, "problems": problems, "status": status}, status=status
    )


class InputGuardMiddleware:
    """Checks every request (see the module's docstring); placed right after routing, before
    sessions, CSRF and authentication read anything."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The locale middleware has not run yet: messages are in the visitor's language.
        translation.activate(translation.get_language_from_request(request))
        try:
            check_request(request)
        except BadInput as exc:
            return bad_input_response(request, exc.message, exc.status)
        return self.get_response(request)

    def process_exception(self, request, exception):
        """The last line: input a view did not check, refused by a model or the database."""
        if isinstance(exception, BadInput):
            return bad_input_response(request, exception.message, exception.status)
        if isinstance(exception, FieldErrors):
            return bad_input_response(request, _("The content is not valid."), 400, exception.errors)
        if isinstance(exception, DataError):
            logger.warning("input refused by the database: %s", exception, extra={"path": request.path})
            return bad_input_response(request, _("The request holds a value that cannot be stored."), 400)
        return None


# Models ----------------------------------------------------------------------------------------


def model_value_errors(instance):
    """{field: [message]} for text the model's columns cannot hold: longer than the column, or
    with a NUL. The lengths come from the model's own fields, so a new column needs no rule."""
    errors = {}
    for field in instance._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField)):
            continue
        value = getattr(instance, field.attname, None)
        if not isinstance(value, str):
            continue
        if unstorable(value):
            errors[field.name] = [
                _("%(field)s contains a character that is not allowed (a NUL or an invalid Unicode character).")
                % {"field": _label(field)}
            ]
        elif field.max_length and len(value) > field.max_length:
            errors[field.name] = [
                _("%(field)s may be at most %(max)s characters long (it has %(length)s).")
                % {"field": _label(field), "max": field.max_length, "length": len(value)}
            ]
    return errors


def length_errors(model, **values):
    """model_value_errors for values about to be given to `model`, by field name."""
    return model_value_errors(model(**{k: v for k, v in values.items() if v is not None}))


def _label(field):
    return str(field.verbose_name)[:1].upper() + str(field.verbose_name)[1:]


def check_model_values(sender, instance, raw=False, **kwargs):
    """pre_save for every model: refuse, as FieldErrors, what the database would refuse."""
    if raw:
        return
    errors = model_value_errors(instance)
    if errors:
        raise FieldErrors(errors)
