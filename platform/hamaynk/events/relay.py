"""The relay: takes unsent events from the outboxes and hands them on, marking each sent only
once the broker confirmed it.

It never scans every schema in a loop. Recording transactions add their schema to a small index
in the public schema and NOTIFY on commit; the relay LISTENs, drains the schemas it is told about,
reads the index every few seconds as a safety net, and once at start looks at every schema (a
relay that died between emptying the index and reading a notification would otherwise leave
those events until the next change in that schema).

A pass over pending schemas: take each schema's advisory lock (one relay per schema at a time,
so order is kept), read a batch from each in sequence order, publish the events to the external
exchange (when there is a broker) back to back and count their confirms; then send one dispatch
task for the internal consumers of every confirmed event of the pass, and mark those sent. A crash anywhere
before the mark sends them again: delivery is at least once, and consumers keep receipts."""

import dataclasses
import datetime
import signal
import threading
import time

import structlog
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from . import registry
from .outbox import CHANNEL
from .publisher import BrokerUnavailable, Publisher

log = structlog.get_logger(__name__)

LOCK_NAMESPACE = 74_201  # the advisory lock's first key: "events relay"


@dataclasses.dataclass
class OutboxEvent:
    seq: int
    id: object
    type: str
    version: int
    municipality_uuid: object
    municipality_slug: str
    aggregate_type: str
    aggregate_id: str
    occurred_at: datetime.datetime
    payload: dict


COLUMNS = [f.name for f in dataclasses.fields(OutboxEvent)]


class QueueUnavailable(ConnectionError):
    """The dispatch task could not be handed to the task queue."""


class InternalDispatcher:
    """Sends the dispatch task over the Celery broker (RabbitMQ with publisher confirms, or the
    laptop's file-system queue), on a connection of its own with short timeouts."""

    def __init__(self, broker_url=None, timeout=5.0):
        from hamaynk.celery import app

        self.app = app
        self.url = broker_url or settings.CELERY_BROKER_URL
        options = {} if self.url.startswith("filesystem") else {"read_timeout": timeout, "write_timeout": timeout}
        self.timeout = timeout
        self._options = options
        self._connection = None
        self._producer = None

    def send(self, groups):
        """Returns once the broker confirmed the task; raises QueueUnavailable otherwise."""
        from .tasks import dispatch

        try:
            if self._producer is None:
                self._connection = self.app.connection_for_write(
                    self.url, connect_timeout=self.timeout, transport_options=self._options
                )
                self._connection.ensure_connection(max_retries=1)
                self._producer = self._connection.Producer(channel=self._connection.channel())
            dispatch.apply_async(
                (groups,),
                headers={"_schema_name": "public"},  # the task enters each group's schema itself
                producer=self._producer,
                retry=False,
            )
        except Exception as exc:
            # kombu and py-amqp raise their own errors for a broker that went away: whatever it
            # was, the batch is not marked sent and the relay backs off.
            self.abandon()
            raise QueueUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def abandon(self):
        """Drops a failed connection without the closing handshake (a black hole never answers it)."""
        connection_, self._connection, self._producer = self._connection, None, None
        if connection_ is not None:
            try:
                connection_.collect()
            except Exception:  # nothing more to free
                pass

    def close(self):
        connection_, self._connection, self._producer = self._connection, None, None
        if connection_ is not None:
            try:
                connection_.release()
            except Exception:  # a broken connection: nothing more to release
                pass


class Relay:
    def __init__(self, *, publisher=None, dispatcher=None, batch_size=None, sweep_seconds=None, out=None):
        self.publisher = publisher
        self.dispatcher = dispatcher or InternalDispatcher()
        self.batch_size = batch_size or settings.EVENTS_RELAY_BATCH
        self.schemas_per_pass = settings.EVENTS_RELAY_SCHEMAS_PER_PASS
        self.gather_seconds = max(0.001, settings.EVENTS_RELAY_GATHER_SECONDS)
        self.sweep_seconds = sweep_seconds or settings.EVENTS_RELAY_SWEEP_SECONDS
        self.stopping = threading.Event()
        self.out = out
        self.sent = 0
        self._listener = None
        self._failures = 0

    @classmethod
    def from_settings(cls, broker_url=None, **kwargs):
        """With an AMQP broker: the external exchange and the consumers; without one (the laptop's
        file-system queue) the consumers only."""
        url = broker_url or settings.EVENTS_BROKER_URL
        publisher = None
        if url.startswith("amqp"):
            publisher = Publisher(
                url,
                settings.EVENTS_EXCHANGE,
                source_domain=settings.PLATFORM_DOMAIN,
                timeout=settings.EVENTS_BROKER_TIMEOUT,
            )
        dispatcher = InternalDispatcher(broker_url, timeout=settings.EVENTS_BROKER_TIMEOUT)
        return cls(publisher=publisher, dispatcher=dispatcher, **kwargs)

    def describe(self):
        if self.publisher is None:
            return (
                "Relaying events to the internal consumers only: there is no AMQP broker "
                f"({self.dispatcher.url.split(':')[0]} queue), so nothing goes to an external exchange."
            )
        return f"Relaying events to the exchange {self.publisher.exchange!r} and to the internal consumers."

    # The loop -----------------------------------------------------------------------------------

    def run(self, install_signals=True):
        if install_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: self.stopping.set())
        self._say(self.describe())
        pending = None
        next_sweep = 0.0
        while not self.stopping.is_set():
            try:
                if self._listener is None:
                    self._listen()
                    pending = set(self.schemas_with_unsent_events())  # the start's full look
                    next_sweep = time.monotonic() + self.sweep_seconds
                if self.publisher is not None:
                    self.publisher.keep_alive()
                pending |= self._notified(timeout=0 if pending else min(1.0, max(0.0, next_sweep - time.monotonic())))
                if time.monotonic() >= next_sweep:
                    pending |= set(self.indexed_schemas())
                    next_sweep = time.monotonic() + self.sweep_seconds
                pending = self.drain_all(pending)
            except (OperationalError, InterfaceError) as exc:
                log.warning("events.relay_database_unavailable", error=str(exc))
                self._close_listener()
                connection.close()
                self._wait(self._backoff())
        self._close_listener()
        if self.publisher:
            self.publisher.close()
        self.dispatcher.close()
        connection.close()
        self._say(f"Relay stopped after sending {self.sent} events.")
        return self.sent

    def drain_all(self, schemas):
        """Drains the schemas, a pass of up to EVENTS_RELAY_SCHEMAS_PER_PASS at a time; returns
        those still pending (more than a batch, held by another relay, or a broker failure)."""
        left, todo = set(), sorted(schemas)
        while todo:
            if self.stopping.is_set():
                return left | set(todo)
            part, todo = todo[: self.schemas_per_pass], todo[self.schemas_per_pass :]
            try:
                left |= self.drain_pass(part)
                self._failures = 0
            except BrokerUnavailable as exc:
                log.warning("events.broker_unavailable", error=repr(exc), schemas=len(part) + len(todo))
                self._wait(self._backoff())
                return left | set(part) | set(todo)
        return left

    def drain(self, schema):
        """One schema until it is empty (tests and tools); True if it still has events."""
        while schema in self.drain_pass([schema]):
            if self.stopping.is_set():
                return True
        return False

    def drain_pass(self, schemas):
        """One batch from each schema: external publishing first (confirmed), then one dispatch
        task for all the confirmed events of the pass, then their `sent_at`. The schemas'
        advisory locks are held from reading to marking, so a second relay never sends the same
        events at the same time and each schema's order is kept.

        However many schemas, a pass costs the database four statements: lock, read, mark,
        unlock (events spread thinly over hundreds of municipalities would otherwise cost four
        round trips per municipality)."""
        with connection.cursor() as cursor:
            locked = self._lock(cursor, schemas)
            more = set(schemas) - set(locked)  # another relay has them now; look again later
            try:
                batches = self._read(cursor, locked)
                confirmed_by_schema, failure = self._publish(batches)
                more |= {schema for schema, events in batches.items() if len(events) == self.batch_size}
                if failure is not None:
                    more |= {
                        schema
                        for schema in batches
                        if len(dict(confirmed_by_schema).get(schema, ())) < len(batches[schema])
                    }
                # Emptied: out of the index. An event committed since the read finds the index
                # row gone or not (its upsert did nothing), but its NOTIFY wakes this relay.
                emptied = [schema for schema in locked if schema not in more]
                self._hand_over(cursor, confirmed_by_schema, emptied)
            finally:
                if locked:
                    cursor.execute(
                        "SELECT pg_advisory_unlock(%s, hashtext(s)) FROM unnest(%s::text[]) s", [LOCK_NAMESPACE, locked]
                    )
        if failure is not None:
            raise failure
        return more

    def _lock(self, cursor, schemas):
        """The schemas whose advisory lock this relay took, in the given order."""
        if not schemas:
            return []
        cursor.execute(
            "SELECT s FROM unnest(%s::text[]) WITH ORDINALITY AS t(s, n) "
            "WHERE pg_try_advisory_lock(%s, hashtext(s)) ORDER BY n",
            [list(schemas), LOCK_NAMESPACE],
        )
        return [row[0] for row in cursor.fetchall()]

    def _read(self, cursor, schemas):
        """{schema: its first unsent events, in order}, for every schema given (empty lists too)."""
        batches = {schema: [] for schema in schemas}
        if not schemas:
            return batches
        quote = connection.ops.quote_name
        cursor.execute(
            " UNION ALL ".join(
                f"(SELECT %s::text, {', '.join(COLUMNS)} FROM {quote(schema)}.events_event "
                "WHERE sent_at IS NULL ORDER BY seq LIMIT %s)"
                for schema in schemas
            ),
            [value for schema in schemas for value in (schema, self.batch_size)],
        )
        for schema, *row in cursor.fetchall():
            batches[schema].append(OutboxEvent(*row))
        return batches

    def _publish(self, batches):
        """([(schema, its confirmed events)], the failure that stopped publishing or None).
        Every event of the pass goes out back to back; a schema's confirmed events are those
        before its first unconfirmed one."""
        if self.publisher is None:
            return [(schema, events) for schema, events in batches.items() if events], None
        flat = [event for events in batches.values() for event in events]
        count, failure = self.publisher.publish_many(flat)
        confirmed_by_schema, taken = [], 0
        for schema, events in batches.items():
            confirmed = events[: max(0, count - taken)]
            taken += len(events)
            if confirmed:
                confirmed_by_schema.append((schema, confirmed))
        return confirmed_by_schema, failure

    def _hand_over(self, cursor, confirmed_by_schema, emptied):
        """One dispatch task for the consumers, then, in one statement, every confirmed event
        marked sent, counted in the minute's total, and the emptied schemas out of the index."""
        if confirmed_by_schema:
            groups = [
                [schema, [str(e.id) for e in events if registry.interested(e)]]
                for schema, events in confirmed_by_schema
            ]
            groups = [group for group in groups if group[1]]
            if groups:
                self.dispatcher.send(groups)
        if not confirmed_by_schema and not emptied:
            return
        quote = connection.ops.quote_name
        marks = [
            f"m{n} AS (UPDATE {quote(schema)}.events_event SET sent_at = now() WHERE seq = ANY(%s))"
            for n, (schema, _events) in enumerate(confirmed_by_schema)
        ]
        sent = sum(len(events) for _schema, events in confirmed_by_schema)
        if sent:
            marks.append(
                "counted AS (INSERT INTO public.events_relayedminute (minute, sent) "
                "VALUES (date_trunc('minute', now()), %s) ON CONFLICT (minute) "
                "DO UPDATE SET sent = events_relayedminute.sent + EXCLUDED.sent)"
            )
        cursor.execute(
            ("WITH " + ", ".join(marks) + " " if marks else "")
            + "DELETE FROM public.events_pendingschema WHERE schema_name = ANY(%s)",
            [[e.seq for e in events] for _schema, events in confirmed_by_schema] + ([sent] if sent else []) + [emptied],
        )
        self.sent += sent

    # Finding work -------------------------------------------------------------------------------

    def indexed_schemas(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT schema_name FROM public.events_pendingschema")
            return [row[0] for row in cursor.fetchall()]

    def schemas_with_unsent_events(self, chunk=200):
        """Every schema with an outbox (but the golden one) that holds an unsent event."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = 'events_event' AND c.relkind = 'r' AND n.nspname <> %s",
                [settings.GOLDEN_SCHEMA_NAME],
            )
            schemas = [row[0] for row in cursor.fetchall()]
            found = []
            for start in range(0, len(schemas), chunk):
                part = schemas[start : start + chunk]
                cursor.execute(
                    " UNION ALL ".join(
                        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {connection.ops.quote_name(s)}.events_event "
                        "WHERE sent_at IS NULL)"
                        for s in part
                    ),
                    part,
                )
                found += [row[0] for row in cursor.fetchall()]
        return found

    def _listen(self):
        connection.ensure_connection()
        listener = connection.get_new_connection(connection.get_connection_params())
        listener.autocommit = True
        listener.execute(f"LISTEN {CHANNEL}")
        self._listener = listener

    def _notified(self, timeout):
        """Schema names notified within `timeout` seconds (all that are already waiting, at least)."""
        names = set()
        try:
            # Wait for the first one only as long as asked, then gather what else comes within
            # EVENTS_RELAY_GATHER_SECONDS: a pass (and a dispatch task) per few events instead
            # of one per event, for a few milliseconds of lag.
            for notify in self._listener.notifies(timeout=max(timeout, 0.001), stop_after=1):
                names.add(notify.payload)
            if names:
                for notify in self._listener.notifies(timeout=self.gather_seconds, stop_after=100_000):
                    names.add(notify.payload)
        except Exception as exc:
            raise OperationalError(f"the LISTEN connection failed: {exc}") from exc
        return names

    def _close_listener(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.close()
            except Exception:  # already broken
                pass

    def _backoff(self):
        self._failures += 1
        return min(settings.EVENTS_RELAY_BACKOFF_MAX_SECONDS, 0.5 * 2 ** (self._failures - 1))

    def _wait(self, seconds):
        self.stopping.wait(seconds)

    def _say(self, text):
        log.info("events.relay", message=text)
        if self.out is not None:
            self.out.write(text + "\n")
            self.out.flush()
