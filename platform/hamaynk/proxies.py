"""The client's address and scheme behind a reverse proxy that terminates TLS.

Only a proxy in TRUSTED_PROXIES may say who the client is: from such a peer, REMOTE_ADDR becomes
the right-most X-Forwarded-For address that is not itself a trusted proxy (the sign-in lockout,
the rate limits and the metrics' allowed networks all read REMOTE_ADDR), and X-Forwarded-Proto
tells Django the request came over https (SECURE_PROXY_SSL_HEADER), so links built from the
request (`build_absolute_uri`: the confirmation link of an online application, API links) come
out https://. From any other peer both headers are dropped: a client talking to the
application directly cannot pretend to be someone else, or to be on https.
"""

import functools
import ipaddress

from django.conf import settings


@functools.cache
def _trusted(values):
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def _is_trusted(address, networks):
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        networks = _trusted(tuple(settings.TRUSTED_PROXIES))
        if networks and _is_trusted(meta.get("REMOTE_ADDR", ""), networks):
            hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
            for hop in reversed(hops):
                if not _is_trusted(hop, networks):
                    try:
                        meta["REMOTE_ADDR"] = str(ipaddress.ip_address(hop))
                    except ValueError:
                        pass  # not an address: keep the proxy's
                    break
        else:
            meta.pop("HTTP_X_FORWARDED_FOR", None)
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)
