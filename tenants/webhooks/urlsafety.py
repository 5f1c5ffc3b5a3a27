"""Which addresses a webhook may reach.

Only https, to hosts whose every address is on the public internet. A subscription pointing at
the platform's own network (the database, the broker, a cloud's metadata service) would let
whoever may subscribe read or poke at it through the platform: the host is therefore checked
when the subscription is saved and resolved again before every delivery, and the connection goes
to the address that was checked (a name that resolves to something else a second later reaches
nothing). WEBHOOK_ALLOWED_NETWORKS lists private networks an operator trusts (a ministry system
on an internal network); WEBHOOK_ALLOW_LOCALHOST lets plain http reach this machine, for tests
and a laptop."""

import dataclasses
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}


class UnsafeAddress(ValueError):
    """The address may not be used; the message says why, for the person or the log."""


@dataclasses.dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address the connection goes to


def _local(host):
    return host in LOCAL_NAMES and settings.WEBHOOK_ALLOW_LOCALHOST


def _parse(url):
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeAddress(_("This is not a valid web address.")) from exc
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeAddress(_("This is not a valid web address."))
    if parts.username or parts.password:
        raise UnsafeAddress(_("The address may not carry a user name or password; the signature authenticates us."))
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and _local(host)):
        raise UnsafeAddress(_("Only https addresses are accepted."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _networks():
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOK_ALLOWED_NETWORKS]


def address_allowed(address, host):
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _networks()):
        return True
    if ip.is_loopback:
        return _local(host)
    return ip.is_global and not ip.is_multicast


def _resolve(host, port):
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeAddress(_("The host %(host)s could not be found.") % {"host": host}) from exc
    addresses = []
    for _family, _type, _proto, _name, sockaddr in found:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


def check(url):
    """Resolves the URL's host and returns the Target to connect to, or raises UnsafeAddress.
    Every address the name has must be allowed: a name that also resolves to a private address
    is refused, whichever one a resolver would hand out next."""
    scheme, host, port, path = _parse(url)
    addresses = _resolve(host, port)
    for address in addresses:
        if not address_allowed(address, host):
            raise UnsafeAddress(
                _("%(host)s leads to a private or local network address (%(address)s), which webhooks may not reach.")
                % {"host": host, "address": address}
            )
    return Target(scheme, host, port, path, addresses[0])
