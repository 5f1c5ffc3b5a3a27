"""Publishing to the external exchange with pika: a durable topic exchange, persistent
messages, publisher confirms, and timeouts on every wait so a broker that accepts connections
and answers nothing (a black hole) makes the publish fail instead of hanging."""

import json
import socket
import threading
import time
from urllib.parse import quote, urlsplit, urlunsplit

import pika
import pika.exceptions


class BrokerDown(ConnectionError):
    """The broker refused, dropped or did not answer in time: the event is not sent."""


class ConfirmTimeout(BrokerDown):
    """No confirm within the timeout: a broker that takes the bytes and answers nothing."""


# What a failed publish raises, whatever the way the broker failed.
BrokerUnavailable = (BrokerDown, pika.exceptions.AMQPError, OSError)


def routing_key(event):
    return f"{event.municipality_slug or 'platform'}.{event.type}"


def message_body(event):
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "version": event.version,
            "municipality": {"uuid": str(event.municipality_uuid or ""), "slug": event.municipality_slug},
            "aggregate": {"type": event.aggregate_type, "id": event.aggregate_id},
            "occurred_at": event.occurred_at.isoformat(),
            "data": event.payload,
        },
        ensure_ascii=False,
    ).encode()


def cloudevents_headers(event, source_domain):
    """The CloudEvents AMQP binding's attributes (binary mode, `cloudEvents_` prefix)."""
    source = (
        f"//{source_domain}/municipalities/{event.municipality_uuid}"
        if event.municipality_uuid
        else (f"//{source_domain}")
    )
    return {
        "cloudEvents_specversion": "1.0",
        "cloudEvents_id": str(event.id),
        "cloudEvents_type": f"am.hamaynk.{event.type}.v{event.version}",
        "cloudEvents_source": source,
        "cloudEvents_subject": f"{event.aggregate_type}/{event.aggregate_id}",
        "cloudEvents_time": event.occurred_at.isoformat(),
        "cloudEvents_datacontenttype": "application/json",
    }


def pika_url(url):
    """Celery's spelling of the default virtual host ("amqp://host//") in pika's ("/%2F")."""
    parts = urlsplit(url)
    path = parts.path
    if path in ("", "/", "//"):
        path = "/%2F"
    elif path.startswith("//"):
        path = "/" + quote(path[1:], safe="")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


class Publisher:
    def __init__(self, url, exchange, *, source_domain, timeout=5.0):
        self.url = url
        self.exchange = exchange
        self.source_domain = source_domain
        self.timeout = timeout
        self._connection = None
        self._channel = None
        self._next_tag, self._outcome = 1, {}  # the channel's next delivery tag; tag: confirmed?
        self._watched = None  # (deadline, socket, event) of the publish under way
        self._watchdog = None

    WINDOW = 1000  # messages published before their confirms are waited for

    def _connect(self):
        parameters = pika.URLParameters(pika_url(self.url))
        parameters.socket_timeout = self.timeout
        parameters.stack_timeout = self.timeout * 2
        parameters.blocked_connection_timeout = self.timeout
        parameters.connection_attempts = 1
        # A silent broker is noticed by the confirms' own deadline (publish_many); heartbeats are
        # only for the idle connection, which the relay keeps alive between batches (keep_alive).
        parameters.heartbeat = 30
        self._connection = pika.BlockingConnection(parameters)

    def _open_channel(self):
        self._channel = self._connection.channel()
        self._channel.exchange_declare(self.exchange, exchange_type="topic", durable=True)
        # Confirm mode on the channel underneath: the blocking channel's own confirm mode waits
        # for each message's confirm before the next is sent, one round trip (and, with a durable
        # queue bound, one disk write) per event. Here a window of messages goes out back to back
        # and their confirms are counted as they come.
        selected = threading.Event()
        self._channel._impl.confirm_delivery(ack_nack_callback=self._on_confirm, callback=lambda _frame: selected.set())
        self._connection._flush_output(selected.is_set)
        self._next_tag, self._outcome = 1, {}

    def _on_confirm(self, frame):
        """Basic.Ack or Basic.Nack for one delivery tag or, with `multiple`, every one up to it."""
        method = frame.method
        ok = isinstance(method, pika.spec.Basic.Ack)
        if method.multiple:
            for tag in [t for t, outcome in self._outcome.items() if outcome is None and t <= method.delivery_tag]:
                self._outcome[tag] = ok
        elif method.delivery_tag in self._outcome:
            self._outcome[method.delivery_tag] = ok

    def publish_many(self, events):
        """Publishes `events` in order; returns (how many, from the first, the broker confirmed,
        the failure that stopped the rest or None). Never raises for a broker that failed."""
        done = 0
        while done < len(events):
            window = events[done : done + self.WINDOW]
            try:
                outcomes = self._publish_window(window)
            except BrokerDown as exc:
                return done, exc
            for outcome in outcomes:
                if not outcome:
                    return done, BrokerDown("the broker refused a message (basic.nack)")
                done += 1
        return done, None

    def _publish_window(self, events):
        expired = threading.Event()
        try:
            if self._connection is None or not self._connection.is_open:
                self.close()
                self._connect()
            # pika's blocking adapter runs no timer while it waits: the watchdog thread cuts the
            # socket at the deadline, and the wait ends with an error.
            self._watch(self._socket(), expired)
            if self._channel is None or not self._channel.is_open:
                self._open_channel()
            tags = list(range(self._next_tag, self._next_tag + len(events)))
            self._next_tag += len(events)
            self._outcome = dict.fromkeys(tags)
            for event in events:
                self._channel._impl.basic_publish(
                    self.exchange,
                    routing_key(event),
                    message_body(event),
                    pika.BasicProperties(
                        content_type="application/json",
                        delivery_mode=2,  # persistent
                        message_id=str(event.id),
                        type=event.type,
                        timestamp=int(event.occurred_at.timestamp()),
                        app_id="hamaynk",
                        headers=cloudevents_headers(event, self.source_domain),
                    ),
                )
            self._connection._flush_output(lambda: expired.is_set() or None not in self._outcome.values())
            if expired.is_set() or None in self._outcome.values():
                raise ConfirmTimeout(f"no confirm from the broker within {self.timeout:g} s")
            return [self._outcome[tag] for tag in tags]
        except BrokerDown:
            self.abandon()
            raise
        except Exception as exc:
            self.abandon()
            if expired.is_set():
                raise ConfirmTimeout(f"no confirm from the broker within {self.timeout:g} s") from exc
            # pika raises its own errors, OSError and, for a connection cut while it is being
            # made, ValueError: whatever it was, the events are not sent and the relay backs off.
            raise BrokerDown(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._watched = None

    def keep_alive(self):
        """Answers the broker's heartbeats while the relay waits for work; a connection the
        broker closed meanwhile is dropped here and made again at the next publish."""
        if self._connection is None:
            return
        try:
            self._connection.process_data_events(0)
        except Exception:
            self.abandon()

    def _socket(self):
        transport = getattr(getattr(self._connection, "_impl", None), "_transport", None)
        return getattr(transport, "_sock", None)

    def _watch(self, sock, expired):
        self._watched = (time.monotonic() + self.timeout, sock, expired)
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watchdog_loop, name="publisher-watchdog", daemon=True)
            self._watchdog.start()

    def _watchdog_loop(self):
        while True:
            time.sleep(0.1)
            watched = self._watched
            if watched is None or time.monotonic() < watched[0]:
                continue
            deadline, sock, expired = watched
            expired.set()
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def abandon(self):
        """Drops a failed connection without the closing handshake: a black-holed broker would
        never answer it, and the relay would hang here instead of backing off."""
        sock = self._socket()
        self._connection, self._channel = None, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass

    def close(self):
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # closing a broken connection: nothing more to do
                pass
