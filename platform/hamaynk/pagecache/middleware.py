"""Serves and fills the page cache (see the package's docstring for the rules).

It sits right inside django-csp's middleware: a cached page is answered before the sessions, the
language, CSRF and authentication middleware run (a hit sends no SQL), and CSP writes its header
afterwards, for the cached page as for a fresh one. A page whose body uses the response's CSP
nonce is stored with the nonce it was rendered with; each hit draws a fresh nonce and puts it
into the body in its place, so no two responses share a nonce and the header always matches.

Every public page carries the language switcher, a small POST form with a CSRF token. The token
is treated the same way: a page whose only cookie is the CSRF cookie is stored with the token it
was rendered with, and each hit puts the visitor's own token in its place and sets (or renews)
the visitor's CSRF cookie, through Django's CSRF middleware, exactly as a fresh page would. Any
other cookie keeps a page out of the cache."""

import hashlib
import re
import types

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils import translation
from django.utils.cache import cc_delim_re, get_max_age, patch_vary_headers

from hamaynk.tenancy.models import Municipality

from . import EPOCH_KEY, _token, enabled, generation_key

ENTRY_KEY = "page-cache:{digest}"
# Vary headers the key holds: the language is part of it, and a request with a cookie that
# changes a page (a session, waiting messages) never reads or fills the cache; the CSRF cookie
# changes only pages with a form, and those set it again (never stored).
COVERED_VARY = {"accept-language", "cookie"}
# Response headers written again on every response by the middleware around this one.
UNSTORED_HEADERS = {
    "set-cookie",
    "date",
    "content-length",
    "content-security-policy",
    "content-security-policy-report-only",
}
# Per-response CSP changes (django-csp's decorators) are not kept with an entry.
CSP_ATTRIBUTES = ("_csp_exempt", "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt_ro", "_csp_config_ro")
HEADER = "X-Page-Cache"
# The masked token {% csrf_token %} writes (one per response, whatever the number of forms).
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
_csrf = CsrfViewMiddleware(lambda request: None)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not readable(request):
            return self.get_response(request)
        municipality = request.tenant.uuid
        keys = [EPOCH_KEY, generation_key(municipality), entry_key(request)]
        found = cache.get_many(keys)
        epoch, generation, entry = (found.get(key) for key in keys)
        if entry is not None and epoch is not None and entry["stamp"] == (epoch, generation):
            return replay(request, entry)
        # The stamp is taken before the page is rendered: a change committed meanwhile bumps the
        # generation, and what this request read before it is stored under the old one.
        if epoch is None:
            epoch = _created(EPOCH_KEY)
        if generation is None:
            generation = _created(keys[1])
        response = self.get_response(request)
        if storable(request, response):
            cache.set(keys[2], freeze(request, response, (epoch, generation)), settings.PAGE_CACHE_SECONDS)
            response[HEADER] = "miss"
        return response


def _created(key):
    """The token under `key`, made now if there is none (the first of concurrent makers wins)."""
    cache.add(key, _token(), timeout=None)
    return cache.get(key)


def readable(request):
    """Whether this request may be answered from the cache (and fill it)."""
    if not enabled() or request.method != "GET":
        return False
    if not isinstance(getattr(request, "tenant", None), Municipality):
        return False  # the ministry's console and refused hosts
    if request.path_info.startswith(tuple(settings.PAGE_CACHE_EXCLUDED_PATHS)):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False  # signed in, or anyone the site keeps something for
    return "HTTP_AUTHORIZATION" not in request.META


def language_of(request):
    """The language LocaleMiddleware will activate for this request (it has not run yet)."""
    urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
    prefixed, _default = is_language_prefix_patterns_used(urlconf)
    return translation.get_language_from_request(request, check_path=prefixed)


def entry_key(request):
    parts = (request.scheme, request.get_host().lower(), language_of(request), request.get_full_path())
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return ENTRY_KEY.format(digest=digest)


def storable(request, response):
    if response.status_code != 200 or response.streaming:
        return False
    if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
        return False
    if len(response.content) > settings.PAGE_CACHE_MAX_BYTES:
        return False
    control = {part.split("=", 1)[0].strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))}
    if control & {"private", "no-store", "no-cache"} or get_max_age(response) == 0:
        return False
    vary = {part.strip().lower() for part in cc_delim_re.split(response.get("Vary", "")) if part.strip()}
    if not vary <= COVERED_VARY:
        return False
    if any(hasattr(response, name) for name in CSP_ATTRIBUTES):
        return False
    match = getattr(request, "resolver_match", None)
    view = getattr(match, "func", None)
    if getattr(view, "page_cache_exempt", False) or getattr(getattr(view, "view_class", None), "page_cache_exempt", 0):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def freeze(request, response, stamp):
    nonce = getattr(request, "_csp_nonce", None)
    match = getattr(request, "resolver_match", None)
    token = CSRF_FIELD.search(response.content)
    return {
        "csrf": settings.CSRF_COOKIE_NAME in response.cookies,
        "csrf_token": token.group(1) if token else None,
        "stamp": stamp,
        "status": response.status_code,
        "headers": [(name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS],
        "content": response.content,
        "nonce": nonce if isinstance(nonce, str) else None,
        "route": (match.view_name or match._func_path) if match is not None else None,
    }


def replay(request, entry):
    from django.http import HttpResponse

    content = entry["content"]
    fresh = getattr(request, "csp_nonce", None)
    if entry["nonce"] and fresh is not None:
        # Drawing the nonce here makes django-csp put this one into the header.
        content = content.replace(entry["nonce"].encode("ascii"), str(fresh).encode("ascii"))
    if entry["csrf"]:
        _csrf.process_request(request)  # the visitor's CSRF cookie, if it has a valid one
        token = get_token(request)  # masked afresh; marks the cookie to be set or renewed
        if entry["csrf_token"]:
            content = content.replace(entry["csrf_token"], token.encode("ascii"))
    response = HttpResponse(content, status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    response["Content-Length"] = str(len(content))
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response[HEADER] = "hit"
    if entry["csrf"]:
        _csrf.process_response(request, response)
    # The request metrics label a request by its route; a hit resolved none.
    request.resolver_match = types.SimpleNamespace(view_name=entry["route"] or "page_cache", _func_path="page_cache")
    return response
