"""Rate limits: how many requests of one kind an address, a user name or an API key may send in a
window of time, so that a script cannot flood the online forms, the lookups, the downloads,
the sign-in pages or the APIs.

Counters live in Django's cache, which every web process shares (Redis in production). The
cache's key function (hamaynk.tenancy.cache.make_key) puts the municipality's id in front of
every key, so a flood on one municipality's site never throttles another's, and the console's
counters are the platform's own.

Each rate is a fixed window aligned to the clock ("60/10m": at most 60 requests from 10:00 to
10:10, 60 more from 10:10). The window's number is part of the key, so a counter needs no reset
and expires on its own; `cache.add` creates it and `cache.incr` counts, both atomic on Redis,
memcached and the local-memory cache. A fixed window lets a client send up to twice the rate
around a window's edge; that is fine for keeping floods out and costs one cache round trip.

Addresses and user names are hashed before they become keys: the cache holds no personal data.
A refused request gets HTTP 429 with `Retry-After` (seconds until the window ends): a page in
the site's chrome for people, `{"detail": …}` for the APIs. Rates are settings read from the
environment (THROTTLE_RATES, see docs/running.md).
"""

import functools
import hashlib
import math
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_FORMAT = re.compile(r"(\d+)/(\d*)([smhd])")
OFF = "off"


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


class Throttled(Exception):
    def __init__(self, scope, retry_after):
        super().__init__(f"{scope}: retry after {retry_after} s")
        self.scope, self.retry_after = scope, retry_after


def parse_rate(text):
    """Reads "60/10m" as Rate(60, 600), and "off" as None (no limit)."""
    text = text.strip().lower().replace(" ", "")
    if text == OFF:
        return None
    match = RATE_FORMAT.fullmatch(text)
    if not match or match.group(2) == "0":
        raise ImproperlyConfigured(f"A rate is written as <count>/<period>, such as 60/10m or 20/h, or 'off': {text!r}")
    count, multiple, unit = match.groups()
    return Rate(int(count), int(multiple or 1) * SECONDS[unit])


def rate_of(scope):
    try:
        text = settings.THROTTLE_RATES[scope]
    except KeyError:
        raise ImproperlyConfigured(f"THROTTLE_RATES has no rate for {scope!r}") from None
    return parse_rate(text)


def hit(scope, identity, now=None):
    """Counts one request of `identity` (an address, a user name, a key) in `scope`; raises
    Throttled once the scope's rate is used up in the current window."""
    rate = rate_of(scope)
    if rate is None:
        return
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    key = f"throttle:{scope}:{digest}:{window}"
    # The counter outlives its window by a little, so a slow request never restarts it.
    cache.add(key, 0, timeout=rate.seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: start over
        cache.set(key, 1, timeout=rate.seconds + 5)
        count = 1
    if count > rate.limit:
        raise Throttled(scope, max(1, math.ceil((window + 1) * rate.seconds - now)))


# Who a request counts against ---------------------------------------------------------------


def client_address(request):
    """The client's address as the sign-in lockout sees it (django-axes: REMOTE_ADDR, or the
    forwarded address when AXES_IPWARE_* describes the proxies in front)."""
    from axes.helpers import get_client_ip_address

    return "address:" + (get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or "unknown")


def user_name(request):
    """The user name a sign-in form posts, case-folded; None when there is none."""
    name = request.POST.get("username", "").strip().casefold()
    return "user:" + name if name else None


def tracking_or_verification_code(request):
    """Lookups count only when they look something up, not when the empty form is shown."""
    return request.GET.get("code", "").strip() != ""


# Views ----------------------------------------------------------------------------------------


def limit(scope, *, key=client_address, methods=None, when=None):
    """Decorates a view: each request (of `methods`, and for which `when(request)` holds) counts
    against `key(request)` in `scope`; over the rate, the 429 page instead of the view."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if (methods is None or request.method in methods) and (when is None or when(request)):
                identity = key(request)
                if identity is not None:
                    try:
                        hit(scope, identity)
                    except Throttled as refusal:
                        return too_many_requests(request, refusal)
            return view(request, *args, **kwargs)

        # A cached answer would not be counted (hamaynk.pagecache never stores these views').
        wrapped.page_cache_exempt = True
        return wrapped

    return decorate


def sign_in(view):
    """A sign-in view limited by the address and by the user name it is posted for. Wrong
    passwords are django-axes' business; this is about the number of attempts."""
    by_address = limit("sign_in_address", methods=("POST",))
    by_user = limit("sign_in_user", key=user_name, methods=("POST",))
    return by_address(by_user(view))


def too_many_requests(request, refusal):
    """The 429 page, in the municipality's site chrome (the console's own on the platform)."""
    from hamaynk.tenancy.models import Municipality

    municipal = isinstance(getattr(request, "tenant", None), Municipality)
    again = timezone.localtime(timezone.now() + timedelta(seconds=refusal.retry_after))
    response = render(
        request,
        "hamaynk/too_many_requests.html",
        {
            "base_template": "website/base.html" if municipal else "hamaynk/base.html",
            "retry_at": again,
            "retry_after": refusal.retry_after,
        },
        status=429,
    )
    response["Retry-After"] = str(refusal.retry_after)
    return response


# APIs -----------------------------------------------------------------------------------------


def refuse_api_key(key):
    """None while the API key is within its rate, else the JSON 429 to answer with."""
    from django.http import JsonResponse

    try:
        hit("api_key", f"api-key:{key.pk}")
    except Throttled as refusal:
        response = JsonResponse(
            {
                "detail": _(
                    "Too many requests with this API key. Try again after the "
                    "number of seconds given in the Retry-After header."
                )
            },
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
        response["Retry-After"] = str(refusal.retry_after)
        return response
    return None
