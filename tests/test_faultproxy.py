"""The fault proxy itself: the fault tests are only as good as the faults it makes."""

import socket
import socketserver
import threading
import time

import pytest

from tests.faultproxy import FaultProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(4096):
            self.request.sendall(data)


@pytest.fixture
def echo():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address
    server.shutdown()
    server.server_close()


def _round_trip(port, timeout=1.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"ping")
        return sock.recv(4)


def test_pass_refuse_and_black_hole(echo):
    with FaultProxy(*echo) as proxy:
        assert _round_trip(proxy.port) == b"ping"

        proxy.refuse()
        with pytest.raises(OSError):
            _round_trip(proxy.port)

        proxy.black_hole()
        started = time.monotonic()
        with pytest.raises(socket.timeout):
            _round_trip(proxy.port, timeout=0.5)  # accepted, never answered
        assert time.monotonic() - started >= 0.45

        proxy.pass_through()
        assert _round_trip(proxy.port) == b"ping"


def test_an_open_connection_goes_silent_in_the_black_hole_and_is_cut_after(echo):
    with FaultProxy(*echo) as proxy:
        sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=1)
        sock.sendall(b"one!")
        assert sock.recv(4) == b"one!"
        proxy.black_hole()
        sock.settimeout(0.5)
        sock.sendall(b"two!")
        with pytest.raises(socket.timeout):
            sock.recv(4)
        proxy.pass_through()
        sock.settimeout(2)
        with pytest.raises(OSError):
            sock.sendall(b"three")
            if not sock.recv(4):
                raise ConnectionResetError("closed")
        sock.close()
