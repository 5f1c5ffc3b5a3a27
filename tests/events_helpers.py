"""Running the events relay from tests: once, or in a thread for the length of a block."""

import contextlib
import threading
import time


def relay_once(broker_url=None):
    """Drains every schema with pending events, as the relay does when it wakes."""
    from hamaynk.events.relay import Relay

    relay = Relay.from_settings(broker_url)
    try:
        # A pass takes one batch per schema; schemas with more (a register import's events, other
        # tests' events in the session's municipalities) come back for another pass.
        left = set(relay.indexed_schemas())
        for _pass in range(200):
            left = relay.drain_all(left)
            if not left:
                break
        assert not left, f"the relay could not drain {sorted(left)}"
        return relay.sent
    finally:
        if relay.publisher:
            relay.publisher.close()
        relay.dispatcher.close()


@contextlib.contextmanager
def running_relay(broker_url=None, **options):
    from django.db import connection

    from hamaynk.events.relay import Relay

    options.setdefault("sweep_seconds", 1.0)
    relay = Relay.from_settings(broker_url, **options)
    thread = threading.Thread(target=relay.run, kwargs={"install_signals": False}, daemon=True, name="relay")
    thread.start()
    try:
        yield relay
    finally:
        relay.stopping.set()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the relay did not stop"
        connection.close()


def wait_for(predicate, timeout=60, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()
