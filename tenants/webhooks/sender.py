"""One POST to a receiver, to the address urlsafety checked, within a hard time limit.

The socket timeout bounds each wait; a timer closes the socket when the whole request has taken
WEBHOOK_TIMEOUT_SECONDS, so a receiver that trickles a byte every few seconds cannot hold a
worker longer than that either. Redirects are not followed (a redirect could lead anywhere,
including to an address the check refused): a 3xx counts as a failed attempt."""

import dataclasses
import http.client
import socket
import ssl
import threading
import time

RESPONSE_KEEP_BYTES = 2000


@dataclasses.dataclass
class Outcome:
    status_code: int | None
    body: str
    error: str
    duration_ms: int

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """Connects to the checked address; the certificate is still verified against the host name."""

    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target, body, headers, timeout):
    started = time.monotonic()
    connection = (_PinnedHTTPS if target.scheme == "https" else _PinnedHTTP)(target, timeout)
    expired = threading.Event()

    def cut():
        expired.set()
        sock = connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(timeout, cut)
    timer.daemon = True
    timer.start()
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        kept = response.read(RESPONSE_KEEP_BYTES)
        return Outcome(response.status, kept.decode("utf-8", "replace"), "", _ms(started))
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        error = f"no answer within {timeout:g} s" if expired.is_set() or isinstance(exc, TimeoutError) else _text(exc)
        return Outcome(None, "", error, _ms(started))
    finally:
        timer.cancel()
        connection.close()


def _ms(started):
    return int((time.monotonic() - started) * 1000)


def _text(exc):
    return f"{type(exc).__name__}: {exc}"[:500]
