"""Host → municipality lookup, cached so that a request costs no query for it.

The cache holds the Municipality for each host name (or a short-lived "unknown" marker).
Saving or deleting a municipality or domain drops the entries for its hosts (signals.py);
HOST_CACHE_SECONDS bounds how long a process sharing no cache with the writer can lag.
"""

from django.conf import settings
from django.core.cache import cache

from .cache import PLATFORM_WIDE
from .models import Domain

UNKNOWN = "unknown"
UNKNOWN_HOST_SECONDS = 10


def _key(hostname):
    return f"{PLATFORM_WIDE}host:{hostname}"


def lookup(hostname):
    """The municipality behind `hostname`, or None. Hits the database only on a cache miss."""
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
    cache.delete_many([_key(h) for h in hostnames])


def hosts_of(municipality):
    return [municipality.primary_host, *Domain.objects.filter(tenant=municipality).values_list("domain", flat=True)]


def forget_municipality(municipality):
    forget(*hosts_of(municipality))
