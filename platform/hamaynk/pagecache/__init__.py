"""The anonymous page cache: a municipality's public pages kept whole in the shared cache.

A page is looked up by its municipality (the cache key function puts the municipality's uuid in
front of every key, hamaynk.tenancy.cache), its host and scheme, the visitor's language and the
path with its query string. What a cached page may be is decided on the way out
(middleware.storable): a 200 for an anonymous GET that sets no cookie, is not private, varies by
nothing the key does not hold, carries no per-response policy and came from a view that was not
exempted. Visitors with a session or with messages waiting never read or fill it.

Every entry remembers the platform's epoch and its municipality's generation when its request
began; it is served only while both are still the same. A change to anything a public page may
show bumps the municipality's generation once its transaction commits (signals.py: any saved or
deleted row of the municipality's schema but bookkeeping, Wagtail's publishing signals and every
domain event recorded in its outbox), so the next request renders the page afresh.
`hamaynk page_cache clear` bumps one municipality's generation or the whole platform's epoch
(after a release). See docs/website.md, "The page cache".
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

EPOCH_KEY = "platform:page-cache:epoch"
GENERATION_KEY = "platform:page-cache:generation:{municipality}"


def enabled():
    return settings.PAGE_CACHE


def generation_key(municipality_uuid):
    """Named with the municipality's uuid explicitly (platform-wide by the key function's
    convention): a signal may bump a municipality from another schema (the console's changes)."""
    return GENERATION_KEY.format(municipality=municipality_uuid)


def _token():
    return uuid.uuid4().hex[:16]


def bump(municipality_uuid):
    """Every cached page of the municipality is stale from now on. A random token rather than a
    counter: a generation lost from the cache (evicted, Redis restarted) never comes back with a
    value an old entry was stored under."""
    cache.set(generation_key(municipality_uuid), _token(), timeout=None)


def clear_all():
    """Every cached page of every municipality is stale from now on (after a release)."""
    cache.set(EPOCH_KEY, _token(), timeout=None)


def bump_after_commit(municipality_uuid):
    """Bumps when the current transaction commits (at once outside one): a page rendered before
    the commit must not be stored under the new generation. One bump per municipality and
    transaction, however many rows change; a rolled-back transaction bumps nothing."""
    if not enabled() or municipality_uuid is None:
        return
    if not connection.in_atomic_block:
        bump(municipality_uuid)
        return
    # Django drops the callbacks of a rolled-back (savepoint or) transaction from this list, so a
    # municipality found here is bumped when the transaction commits.
    for _savepoints, callback, _robust in connection.run_on_commit:
        if getattr(callback, "page_cache_municipality", None) == municipality_uuid:
            return

    def callback():
        bump(municipality_uuid)

    callback.page_cache_municipality = municipality_uuid
    transaction.on_commit(callback)


def exempt(view):
    """Marks a view whose responses are never cached, such as one that counts requests against
    a rate (hamaynk.throttle): a cached answer would not be counted."""
    view.page_cache_exempt = True
    return view
