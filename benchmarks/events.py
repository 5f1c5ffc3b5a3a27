"""Events benchmark: the outbox relayed end to end (commit → consumer done) with many
municipalities hosted.

    .venv/bin/python benchmarks/events.py                          # 500 municipalities
    .venv/bin/python benchmarks/events.py --municipalities 50 --backlog 20000 --steady-seconds 20
    .venv/bin/python benchmarks/events.py --full-outage            # the issue's 60 s refused + 30 s black hole

Three measurements, with `hamaynk relay` and a Celery worker as processes of their own:
1. throughput: a backlog of events spread over every municipality, relayed and consumed; events
   per second from the relay's start to the last consumer effect;
2. lag at a steady rate (--rate, 200 events/s): commit → consumer effect, p50 and p99;
3. outage: the same steady rate while the relay's broker connection is refused, then
   black-holed (through tests/faultproxy.py); after recovery, events lost (no effect) and
   duplicated (two effects) are counted.

The consumer's effect is a line appended to a file (event id, time): an effect outside the
database, like an email, so a duplicate would show. RabbitMQ (TEST_RABBITMQ_URL, as the tests)
is used when reachable, else the file-system queue (then nothing goes to an exchange).
"""

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from scratch import ROOT, percentile, scratch_database

CONSUMER = "bench.effect"
EVENT_TYPE = "bench.tick"


def register_consumer(effects_file):
    """The benchmark's consumer, in every process that relays or consumes."""
    from hamaynk.events.registry import Consumer, register

    class Effect(Consumer):
        name = CONSUMER
        event_types = frozenset({EVENT_TYPE})

        def handle(self, event):
            with open(effects_file, "a") as out:
                out.write(f"{event.id} {time.time():.6f}\n")

    register(Effect())


def child(role, effects_file, broker):
    """`--role relay|worker`: a process of the benchmark, started by main()."""
    import django

    django.setup()
    register_consumer(effects_file)
    if role == "relay":
        from hamaynk.events.relay import Relay

        Relay.from_settings(broker or None, out=sys.stdout).run()
    else:
        from hamaynk.celery import app

        app.worker_main(
            ["worker", "--pool", "solo", "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip"]
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--municipalities", type=int, default=500)
    parser.add_argument("--backlog", type=int, default=50_000, help="events for the throughput measurement")
    parser.add_argument("--rate", type=float, default=200.0, help="events per second of the steady load")
    parser.add_argument("--steady-seconds", type=float, default=30.0)
    parser.add_argument("--refuse-seconds", type=float, default=10.0)
    parser.add_argument("--black-hole-seconds", type=float, default=10.0)
    parser.add_argument("--full-outage", action="store_true", help="the issue's 60 s refused and 30 s black hole")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="go on with a kept database and its municipalities")
    parser.add_argument("--skip-throughput", action="store_true", help="the steady rate and the outage only")
    parser.add_argument("--skip-outage", action="store_true")
    parser.add_argument("--role", choices=["relay", "worker"], help=argparse.SUPPRESS)
    parser.add_argument("--effects", help=argparse.SUPPRESS)
    parser.add_argument("--broker", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        return child(args.role, args.effects, args.broker)
    if args.full_outage:
        args.refuse_seconds, args.black_hole_seconds = 60.0, 30.0

    from tests import services

    rabbit = services.rabbitmq_available()
    var = Path("/tmp/hamaynk_bench_events-var")
    var.mkdir(exist_ok=True)
    for folder in ("queue", "queue-processed", "queue-control"):
        (var / folder).mkdir(exist_ok=True)
    queue_name = f"hamaynk-bench-events-{os.getpid()}"
    os.environ.update(
        {
            "CELERY_BROKER_URL": services.RABBITMQ_URL if rabbit else "filesystem://",
            "CELERY_TASK_DEFAULT_QUEUE": queue_name,
            "EVENTS_EXCHANGE": "hamaynk.bench.events",
            "EVENTS_BROKER_TIMEOUT": "2",
            "EVENTS_RELAY_BACKOFF_MAX_SECONDS": "2",
            "DB_CONN_MAX_AGE": "600",
        }
    )
    with scratch_database("hamaynk_bench_events", keep=args.keep, reuse=args.reuse):
        run(args, rabbit)


def provision_many(count):
    from hamaynk.tenancy.models import Municipality
    from provisioning.pipeline import provision
    from tests.conftest import make_request

    started = time.perf_counter()
    for n in range(Municipality.objects.exclude(schema_name="public").count(), count):
        run = provision(make_request(f"ev{n:04d}"))
        assert run.state == "done", run.error
        if (n + 1) % 50 == 0:
            print(f"  provisioned {n + 1} in {time.perf_counter() - started:.0f} s", flush=True)
    schemas = Municipality.objects.exclude(schema_name="public").order_by("schema_name")
    return list(schemas.values_list("schema_name", flat=True)[:count])


def spawn(role, effects, broker=""):
    command = [sys.executable, str(Path(__file__)), "--role", role, "--effects", str(effects)]
    if broker:
        command += ["--broker", broker]
    log = open(Path(os.environ["HAMAYNK_VAR_DIR"]) / f"{role}.log", "w")
    return subprocess.Popen(command, cwd=ROOT, env=dict(os.environ), stdout=log, stderr=log)


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def effects(path):
    """{event id: [effect times]} from the consumer's file."""
    seen = {}
    if path.exists():
        for line in path.read_text().splitlines():
            event_id, at = line.split()
            seen.setdefault(event_id, []).append(float(at))
    return seen


def record_backlog(schemas, total):
    """`total` events spread over the schemas, written in one COPY per schema."""
    from django_tenants.utils import schema_context

    from hamaynk import events

    per = max(1, total // len(schemas))
    written = 0
    for schema in schemas:
        with schema_context(schema):
            written += events.record_many(EVENT_TYPE, ((("bench.thing", n), {"n": n}) for n in range(per)))
    return written


def steady_load(schemas, rate, seconds, stop_event=None):
    """Events at `rate` per second, each in its own transaction in a random municipality.
    Returns {event id: commit time}."""
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from hamaynk import events

    committed = {}
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < seconds and not (stop_event and stop_event.is_set()):
        due = started + n / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        with schema_context(random.choice(schemas)), transaction.atomic():
            event = events.record(EVENT_TYPE, ("bench.thing", n), {"n": n})
        committed[str(event.id)] = time.time()
        n += 1
    connection.close()
    return committed


def wait_effects(path, ids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = effects(path)
        if all(i in seen for i in ids):
            return seen
        time.sleep(0.25)
    return effects(path)


def run(args, rabbit):
    from django.db import connection

    from tests import services
    from tests.faultproxy import FaultProxy

    var = Path(os.environ["HAMAYNK_VAR_DIR"])
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, {os.cpu_count()} CPUs; "
        f"broker: {'RabbitMQ' if rabbit else 'file-system queue (no exchange)'}",
        flush=True,
    )
    print(f"Provisioning {args.municipalities} municipalities...", flush=True)
    schemas = provision_many(args.municipalities)
    effects_file = var / "effects.txt"
    effects_file.unlink(missing_ok=True)

    worker = spawn("worker", effects_file)
    time.sleep(3)  # the worker is ready before the clock starts
    relay_log = Path(os.environ["HAMAYNK_VAR_DIR"]) / "relay.log"
    if args.skip_throughput:
        relay = spawn("relay", effects_file)
        while "Relaying events" not in relay_log.read_text():
            time.sleep(0.01)
    else:
        # 1. Throughput: a backlog, then the relay starts.
        written = record_backlog(schemas, args.backlog)
        from django.db import connection as db

        with db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM public.events_pendingschema")
            pending_schemas = cursor.fetchone()[0]
        relay = spawn("relay", effects_file)
        while "Relaying events" not in relay_log.read_text():  # the clock starts when it is up
            time.sleep(0.01)
        started = time.time()
        deadline = time.monotonic() + max(120, written / 200)
        while time.monotonic() < deadline and len(effects(effects_file)) < written:
            time.sleep(0.5)
        seen = effects(effects_file)
        last = max((max(times) for times in seen.values()), default=started)
        done = len(seen)
        print(
            f"\n1. Throughput: {written} events in {pending_schemas} schemas; {done} consumed in "
            f"{last - started:.1f} s: {done / max(last - started, 1e-9):.0f} events/s end to end (target ≥ 1,000)",
            flush=True,
        )

    # 2. Lag at a steady rate.
    committed = steady_load(schemas, args.rate, args.steady_seconds)
    seen = wait_effects(effects_file, committed, timeout=60)
    lags = [min(seen[i]) - at for i, at in committed.items() if i in seen]
    print(
        f"2. Steady {args.rate:.0f} events/s for {args.steady_seconds:.0f} s: {len(committed)} events, "
        f"lag p50 {percentile(lags, 0.5) * 1000:.0f} ms, p99 {percentile(lags, 0.99) * 1000:.0f} ms, "
        f"max {max(lags) * 1000:.0f} ms (target p99 ≤ 1 s); {len(committed) - len(lags)} without effect",
        flush=True,
    )
    stop(relay)

    # 3. Outage: the relay's broker refused, then black-holed, under the steady load.
    from urllib.parse import urlsplit

    if rabbit and not args.skip_outage:
        parts = urlsplit(services.RABBITMQ_URL)
        proxy = FaultProxy(parts.hostname or "127.0.0.1", parts.port or 5672).start()
        broker = parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}").geturl()
        relay = spawn("relay", effects_file, broker)
        time.sleep(2)
        committed = {}
        for fault, seconds in (("refuse", args.refuse_seconds), ("black_hole", args.black_hole_seconds)):
            getattr(proxy, fault)()
            committed.update(steady_load(schemas, args.rate, seconds))
            proxy.pass_through()
        recovered_at = time.time()
        seen = wait_effects(effects_file, committed, timeout=300)
        got = [i for i in committed if i in seen]
        lost = len(committed) - len(got)
        duplicated = sum(len(seen[i]) > 1 for i in got)
        caught_up = max((min(seen[i]) for i in got), default=recovered_at) - recovered_at
        print(
            f"3. Outage ({args.refuse_seconds:.0f} s refused, then {args.black_hole_seconds:.0f} s black hole) at "
            f"{args.rate:.0f} events/s: {len(committed)} events, lost {lost}, duplicated {duplicated}; "
            f"caught up {caught_up:.1f} s after recovery",
            flush=True,
        )
        stop(relay)
        proxy.stop()
    else:
        print("3. Outage: skipped" + ("" if rabbit else " (needs RabbitMQ)"))
    every = effects(effects_file)
    print(f"Consumer effects in all: {sum(len(t) for t in every.values())} for {len(every)} events", flush=True)
    stop(worker)
    if rabbit:
        from hamaynk.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(os.environ["CELERY_TASK_DEFAULT_QUEUE"])


if __name__ == "__main__":
    main()
