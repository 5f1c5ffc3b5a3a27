"""What the registers API's views share beyond the platform's API plumbing (hamaynk.api): the
spec's fixed "no record found", the `{"query"|"write": {"content": …}}` bodies, and a record
deleted by someone else between finding and changing it answered 404."""

import functools

from django.utils.translation import gettext as _

from hamaynk import api
from hamaynk.api import ApiError

from ..models import Record

# The spec fixes this answer of read (an enum), so it is not translated.
NO_RECORD = "no record found"


def not_found(detail=NO_RECORD):
    return api.not_found(detail)


def endpoint(*methods, write=False, mediator=True):
    """The platform's API endpoint (hamaynk.api.endpoint) for a registers view."""

    def wrap(view):
        @functools.wraps(view)
        def handle(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except Record.DoesNotExist:
                raise not_found() from None

        return api.endpoint(*methods, write=write, mediator=mediator)(handle)

    return wrap


def content_of(body, part):
    """`body[part]["content"]` (part: "query" or "write") as a dict, or 400."""
    section = body.get(part)
    content = section.get("content") if isinstance(section, dict) else None
    if not isinstance(content, dict):
        raise ApiError(400, _("The body needs “%(part)s”: {“content”: {…}}.") % {"part": part})
    return content
