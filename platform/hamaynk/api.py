"""What every municipal API shares (the registers' GovStack Digital Registries API and the
cases' GovStack Registration API): JSON in and out, the key, its rate and the Information
Mediator client checked before the view runs, and errors turned into `{"detail": …}` answers, so
a view only says what it does.

The keys are the municipality's API keys; the module that issues them is named by the setting
API_KEY_AUTHENTICATOR, so the platform imports no module's code."""

import functools
import json

from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hamaynk import inputs, throttle
from hamaynk.errors import FieldErrors

MEDIATOR_HEADER = "Information-Mediator-Client"
MAX_ACTOR_LENGTH = 300  # the columns that keep who asked (history, personal-data log)


class ApiError(Exception):
    def __init__(self, status, detail, errors=None, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}

    def response(self):
        body = {"detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        response = json_response(body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def json_response(data, status=200):
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def not_found(detail):
    return ApiError(404, detail)


@csrf_exempt
def unknown(request):
    """Anything else under an API's prefix: a JSON 404, not the site's HTML page."""
    return json_response({"detail": _("No such API endpoint.")}, status=404)


@functools.cache
def _authenticator():
    return import_string(settings.API_KEY_AUTHENTICATOR)


def endpoint(*methods, write=False, mediator=True):
    """Wraps a view of an API. The checks run in this order: method (405), key (401), the key's
    rate (429), write permission (403), Information-Mediator-Client header (400). The view gets
    the client as `request.actor`; content a module refuses (FieldErrors) is a 400 with the
    messages per field."""

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def handle(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise ApiError(405, _("Method not allowed."), headers={"Allow": ", ".join(methods)})
                key = _authenticator()(request.headers.get("Authorization"))
                if key is None:
                    raise ApiError(
                        401,
                        _("A valid API key is required in the Authorization header."),
                        headers={"WWW-Authenticate": "Bearer"},
                    )
                if (throttled := throttle.refuse_api_key(key)) is not None:
                    return throttled
                if write and not key.can_write:
                    raise ApiError(403, _("This API key may only read."))
                request.actor = _mediator_client(request) if mediator else ""
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return exc.response()
            except FieldErrors as exc:
                return ApiError(400, _("The content is not valid."), errors=exc.errors).response()

        return handle

    return wrap


def _mediator_client(request):
    client = request.headers.get(MEDIATOR_HEADER, "").strip()
    if not client:
        raise ApiError(400, _("The Information-Mediator-Client header is required (INSTANCE/CLASS/MEMBER/SUBSYSTEM)."))
    if len(client) > MAX_ACTOR_LENGTH:
        raise ApiError(400, _("The Information-Mediator-Client header is too long."))
    return client


def json_body(request):
    """The request's JSON object (parsed by the shared input rules), or 400."""
    try:
        body = inputs.request_json(request)
    except inputs.BadInput as exc:
        raise ApiError(exc.status, exc.message) from None
    if not isinstance(body, dict):
        raise ApiError(400, _("The body must be a JSON object."))
    return body
