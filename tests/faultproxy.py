"""A TCP forwarder a test controls, to put a real service (RabbitMQ, PostgreSQL) through the
faults an operator meets: refused connections and a black hole (connections accepted, nothing
answered).

    with FaultProxy("127.0.0.1", 5672) as proxy:     # listens on a free port of its own
        url = f"amqp://guest:guest@127.0.0.1:{proxy.port}//"
        proxy.refuse()       # new connections are reset at once, open ones are cut
        proxy.black_hole()   # new connections are accepted and never answered, open ones go silent
        proxy.pass_through() # forwarding again; connections held in the black hole are cut

Modes:
- pass: bytes go both ways unchanged;
- refuse: the listening socket stays open (the port is not free for someone else) but every new
  connection is closed with a reset, and every open connection is cut;
- black-hole: new connections are accepted and read from, nothing is forwarded or answered; open
  connections stop forwarding in both directions (a pulled cable or a firewall dropping packets).
  Leaving the black hole cuts those connections: TCP would time them out in the end anyway, and
  a client must show it reconnects.
"""

import contextlib
import select
import socket
import struct
import threading

PASS, REFUSE, BLACK_HOLE = "pass", "refuse", "black-hole"


class FaultProxy:
    def __init__(self, target_host, target_port, listen_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.mode = PASS
        self._lock = threading.Lock()
        self._pairs = set()
        self._stopped = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((listen_host, 0))
        self._listener.listen(128)
        self.host, self.port = self._listener.getsockname()
        self.connections_accepted = 0
        self._thread = threading.Thread(target=self._accept_loop, name="faultproxy-accept", daemon=True)

    # Control ---------------------------------------------------------------------------------

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self._cut_all()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def pass_through(self):
        with self._lock:
            previous, self.mode = self.mode, PASS
        if previous == BLACK_HOLE:
            self._cut_all()

    def refuse(self):
        with self._lock:
            self.mode = REFUSE
        self._cut_all()

    def black_hole(self):
        with self._lock:
            self.mode = BLACK_HOLE

    def url(self, template):
        """`template` with {host} and {port} filled in with the proxy's address."""
        return template.format(host=self.host, port=self.port)

    # Forwarding ------------------------------------------------------------------------------

    def _accept_loop(self):
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections_accepted += 1
            if self.mode == REFUSE:
                _reset(client)
                continue
            threading.Thread(target=self._serve, args=(client,), name="faultproxy-pair", daemon=True).start()

    def _serve(self, client):
        upstream = None
        if self.mode == PASS:
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                return
        pair = _Pair(client, upstream)
        with self._lock:
            self._pairs.add(pair)
        try:
            pair.run(self)
        finally:
            with self._lock:
                self._pairs.discard(pair)
            pair.close()

    def _cut_all(self):
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            pair.cut()


class _Pair:
    """One client connection and its upstream (None while it sits in the black hole)."""

    def __init__(self, client, upstream):
        self.client = client
        self.upstream = upstream
        # No Nagle delay: a small frame forwarded at once, as between the two ends directly
        # (with it, every confirmed publish waits for a delayed ACK, 40 ms).
        for sock in (client, upstream):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._cut = threading.Event()

    def run(self, proxy):
        sockets = [s for s in (self.client, self.upstream) if s is not None]
        while not self._cut.is_set() and not proxy._stopped.is_set():
            try:
                readable, _, _ = select.select(sockets, [], [], 0.2)
            except (OSError, ValueError):
                return
            for sock in readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                if proxy.mode != PASS or self.upstream is None:
                    continue  # the black hole swallows it
                other = self.upstream if sock is self.client else self.client
                try:
                    other.sendall(data)
                except OSError:
                    return

    def cut(self):
        self._cut.set()
        _reset(self.client)
        if self.upstream is not None:
            _reset(self.upstream)

    def close(self):
        for sock in (self.client, self.upstream):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()


def _reset(sock):
    """Closes with RST rather than FIN: the peer sees 'connection reset', as from a dead host."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
