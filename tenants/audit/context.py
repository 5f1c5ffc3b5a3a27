"""Who is acting right now, for the audit trail.

A request sets the person signed in (and the address the request came from); the `hamaynk`
command sets the command line; anything else — provisioning in a worker, a periodic job — is
the system. A context variable keeps this per thread and per task, and imports nothing from
Django so that the command line can set it before Django starts.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

USER, SYSTEM, COMMAND, ANONYMOUS = "user", "system", "command", "anonymous"


@dataclass(frozen=True)
class Actor:
    kind: str
    user_id: int | None = None
    label: str = ""
    address: str | None = None


SYSTEM_ACTOR = Actor(SYSTEM)
_current: ContextVar[Any] = ContextVar("hamaynk_audit_actor", default=None)


def current_actor():
    """The actor recorded for a change made now. A request's user is resolved only here, so
    requests that change nothing audited never load it for the audit's sake."""
    value = _current.get()
    if value is None:
        return SYSTEM_ACTOR
    if isinstance(value, Actor):
        return value
    return _from_request(value)


def _from_request(request):
    address = request.META.get("REMOTE_ADDR") or None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor(USER, user.pk, user.get_username(), address)
    return Actor(ANONYMOUS, None, "", address)


@contextmanager
def acting(actor_or_request):
    """Changes made inside the block are recorded as made by this actor (or request)."""
    token = _current.set(actor_or_request)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def acting_as_user(user, address=None):
    """For the one page where the person is known without being signed in: the set-password
    link, where the person choosing the password is the account's owner."""
    with acting(Actor(USER, user.pk, user.get_username(), address)):
        yield


def set_command(name):
    """The `hamaynk` command's process: every change it makes is the command line's."""
    _current.set(Actor(COMMAND, None, name[:150]))
