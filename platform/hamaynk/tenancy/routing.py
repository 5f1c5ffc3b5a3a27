"""Host → municipality lookup, cached so that a request costs no query for it.

The cache holds the Municipality for each host name (or a short-lived "unknown" marker).
Saving or deleting a municipality or domain drops the entries for its hosts (signals.py);
HOST_CACHE_SECONDS bounds how long a process sharing no cache with the writer can lag.

In front of the shared cache each process keeps what it looked up for HOST_MEMO_SECONDS (a
couple of seconds): on a busy site most requests then cost no round trip to the cache for their
host, which is a quarter of the CPU a page served from the page cache costs. A change to a
municipality (suspended, a new domain) is forgotten at once in the process that made it and
reaches the other processes within HOST_MEMO_SECONDS. Unknown hosts are not kept in the memo
(anyone can make up host names); the memo holds at most HOST_MEMO_ENTRIES hosts.
"""

import copy
import time

from django.conf import settings
from django.core.cache import cache

from .cache import PLATFORM_WIDE
from .models import Domain

UNKNOWN = "unknown"
UNKNOWN_HOST_SECONDS = 10


def _key(hostname):
    return f"{PLATFORM_WIDE}host:{hostname}"


_memo = {}  # hostname -> (monotonic deadline, Municipality)


def lookup(hostname):
    """The municipality behind `hostname`, or None (a copy: callers may set attributes on it)."""
    kept = _memo.get(hostname)
    if kept is not None and kept[0] > time.monotonic():
        return copy.copy(kept[1])
    municipality = _lookup_shared(hostname)
    if municipality is not None and settings.HOST_MEMO_SECONDS > 0:
        if len(_memo) >= settings.HOST_MEMO_ENTRIES:
            _memo.clear()
        _memo[hostname] = (time.monotonic() + settings.HOST_MEMO_SECONDS, municipality)
        return copy.copy(municipality)
    return municipality


def _lookup_shared(hostname):
    """Hits the database only on a miss of the shared cache."""
    key = _key(hostname)
    cached = cache.get(key)
    if cached == UNKNOWN:
        return None
    if cached is not None:
        return cached
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    if domain is None:
        cache.set(key, UNKNOWN, UNKNOWN_HOST_SECONDS)
        return None
    cache.set(key, domain.tenant, settings.HOST_CACHE_SECONDS)
    return domain.tenant


def forget(*hostnames):
    for hostname in hostnames:
        _memo.pop(hostname, None)
    cache.delete_many([_key(h) for h in hostnames])


def clear_memo():
    """Forget every host this process keeps (the shared cache is left as it is)."""
    _memo.clear()


def hosts_of(municipality):
    return [municipality.primary_host, *Domain.objects.filter(tenant=municipality).values_list("domain", flat=True)]


def forget_municipality(municipality):
    forget(*hosts_of(municipality))
