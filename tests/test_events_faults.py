"""Events under the faults an operator meets, with the real RabbitMQ reached through the fault
proxy: the broker refusing connections and black-holed while citizens submit online
applications (every answer quick and without an error, every case notified exactly once after
recovery), the relay killed with SIGKILL in the middle of a batch (nothing lost, no second
notification), and a pass over many municipalities publishing in order with confirms counted in
windows.

Outage lengths: EVENTS_FAULT_REFUSE_SECONDS and EVENTS_FAULT_BLACK_HOLE_SECONDS (a few seconds by
default; the issue's 60 s and 30 s in the benchmark, benchmarks/events.py)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit

import pika
import pytest
from django.core import mail
from django_tenants.utils import schema_context

from hamaynk.events.models import Event, ProcessedEvent
from tenants.cases import workflow
from tenants.cases.models import Case
from tenants.catalogue.models import Service
from tests import services
from tests.events_helpers import relay_once, running_relay, wait_for
from tests.faultproxy import FaultProxy

REFUSE_SECONDS = float(os.environ.get("EVENTS_FAULT_REFUSE_SECONDS", "4"))
BLACK_HOLE_SECONDS = float(os.environ.get("EVENTS_FAULT_BLACK_HOLE_SECONDS", "4"))
RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address_0": "Կենտրոն",
    "address_1": "Բաղրամյան",
    "address_2": "11",
    "address_3": "",
    "purpose": "Բանկ",
}


@pytest.fixture
def rabbitmq():
    services.require(services.rabbitmq_available(), "RabbitMQ")
    parts = urlsplit(services.RABBITMQ_URL)
    return parts.hostname or "127.0.0.1", parts.port or 5672


@pytest.fixture
def broker_proxy(rabbitmq):
    with FaultProxy(*rabbitmq) as proxy:
        parts = urlsplit(services.RABBITMQ_URL)
        yield proxy, parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}").geturl()


@pytest.fixture
def exchange_queue(rabbitmq, settings):
    """A queue of this test bound to the events exchange for one municipality: what an external
    system subscribed to the exchange receives."""
    settings.EVENTS_EXCHANGE = f"hamaynk-test-events-{os.getpid()}"
    connection = pika.BlockingConnection(pika.URLParameters(f"amqp://guest:guest@{rabbitmq[0]}:{rabbitmq[1]}/%2F"))
    channel = connection.channel()
    channel.exchange_declare(settings.EVENTS_EXCHANGE, exchange_type="topic", durable=True, auto_delete=False)
    queue = channel.queue_declare("", exclusive=True).method.queue

    def received():
        ids = []
        while True:
            method, properties, _body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return ids
            ids.append(properties.message_id)

    channel.bind = lambda key: channel.queue_bind(queue, settings.EVENTS_EXCHANGE, routing_key=key)
    channel.received = received
    yield channel
    channel.exchange_delete(settings.EVENTS_EXCHANGE)
    connection.close()


@pytest.fixture
def quick_recovery(settings):
    settings.EVENTS_BROKER_TIMEOUT = 2.0
    settings.EVENTS_RELAY_BACKOFF_MAX_SECONDS = 1.0
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "applications": "off", "confirmations": "off"}


def apply_online(client, municipality, email):
    """The citizen's two steps: the form, then the link from the email. Returns (case, seconds of
    the slower step, worst status)."""
    started = time.monotonic()
    form = {"applicant_name": "Նարե Սարգսյան", "applicant_email": email, **RESIDENCE}
    response = client.post("/apply/residence_certificate/", form)
    first = time.monotonic() - started
    assert response.status_code == 200, response.status_code
    link = next(
        line for m in mail.outbox if m.to == [email] for line in m.body.splitlines() if "/apply/confirm/" in line
    )
    path = link.split(municipality.primary_host, 1)[1].split("/", 1)[1]
    started = time.monotonic()
    done = client.get("/" + path)
    second = time.monotonic() - started
    return done.context["case"] if done.status_code == 200 else None, max(first, second), done.status_code


def notifications(case):
    return [m for m in mail.outbox if m.to == [case.applicant_email] and case.reg_number in m.subject]


def submit_during(seconds, client, municipality, label):
    cases, slowest, statuses = [], 0.0, []
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        case, took, status = apply_online(client, municipality, f"{label}-{uuid.uuid4().hex[:8]}@example.am")
        statuses.append(status)
        slowest = max(slowest, took)
        cases.append(case)
    return cases, slowest, statuses


@pytest.mark.parametrize("fault", ["refuse", "black_hole"])
def test_submissions_during_a_broker_outage_are_answered_and_notified_once_after(
    fault, alpha, celery_worker, client_for, broker_proxy, exchange_queue, quick_recovery
):
    proxy, broker_url = broker_proxy
    exchange_queue.bind("alpha.case.submitted")
    mail.outbox.clear()
    citizen = client_for(alpha.primary_host)
    with running_relay(broker_url) as relay:
        before, _took, _status = apply_online(citizen, alpha, f"before-{uuid.uuid4().hex[:8]}@example.am")
        assert wait_for(lambda: notifications(before), timeout=30), "the relay does not work before the outage"

        getattr(proxy, fault)()
        seconds = REFUSE_SECONDS if fault == "refuse" else BLACK_HOLE_SECONDS
        cases, slowest, statuses = submit_during(seconds, citizen, alpha, fault)
        assert all(status == 200 for status in statuses), statuses
        assert slowest < 2.0, f"a submission took {slowest:.2f} s during the outage"
        assert len(cases) >= 3 and all(cases)
        # Nothing got through: the notifications wait in the outbox.
        assert not any(notifications(case) for case in cases)

        proxy.pass_through()
        recovered = wait_for(lambda: all(notifications(case) for case in cases), timeout=90)
        assert recovered, f"{sum(not notifications(c) for c in cases)} of {len(cases)} cases were never notified"
        time.sleep(2)  # a late duplicate would arrive now
        counts = [len(notifications(case)) for case in [before, *cases]]
        assert counts == [1] * len(counts), counts
        assert relay.sent >= len(cases) + 1

    with schema_context(alpha.schema_name):
        submitted = set(
            str(i)
            for i in Event.objects.filter(
                type="case.submitted", aggregate_id__in=[str(c.pk) for c in [before, *cases]]
            ).values_list("id", flat=True)
        )
        assert not Event.objects.filter(sent_at__isnull=True, id__in=submitted).exists()
    received = set(exchange_queue.received())
    assert submitted <= received, f"{len(submitted - received)} events never reached the exchange"


def test_a_relay_killed_mid_batch_loses_nothing_and_notifies_nobody_twice(alpha, celery_worker, rabbitmq, tmp_path):
    count = 600
    with schema_context(alpha.schema_name):
        service = Service.objects.get(code="residence_certificate")
        first = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        label = uuid.uuid4().hex[:6]
        for n in range(count):
            workflow.submit(
                service,
                {k: v for k, v in RESIDENCE.items() if not k.startswith("address_")}
                | {"address": "Կենտրոն, Բաղրամյան, 11, 4"},
                applicant={"name": "Relay Test", "email": f"kill-{label}-{n}@example.am", "language": "en"},
                channel="window",
            )
        cases = list(Case.objects.filter(pk__gt=first, applicant_email__startswith=f"kill-{label}-"))
        ids = list(
            Event.objects.filter(type="case.submitted", aggregate_id__in=[str(c.pk) for c in cases]).values_list(
                "id", flat=True
            )
        )
    assert len(cases) == count == len(ids)
    mail.outbox.clear()

    def sent():
        with schema_context(alpha.schema_name):
            return Event.objects.filter(id__in=ids, sent_at__isnull=False).count()

    env = {**os.environ, "EVENTS_RELAY_BATCH": "20", "LOG_LEVEL": "WARNING"}
    log = open(tmp_path / "relay.log", "w")
    relay = subprocess.Popen([sys.executable, "-m", "hamaynk.cli", "relay"], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sent() == 0:
            time.sleep(0.005)
        relay.send_signal(signal.SIGKILL)
        relay.wait(timeout=10)
    finally:
        if relay.poll() is None:
            relay.kill()
    at_kill = sent()
    assert 0 < at_kill < count, f"the relay was killed with {at_kill} of {count} events sent"

    again = subprocess.Popen([sys.executable, "-m", "hamaynk.cli", "relay"], env=env, stdout=log, stderr=log)
    try:
        assert wait_for(lambda: sent() == count, timeout=120), (tmp_path / "relay.log").read_text()[-3000:]
        assert wait_for(lambda: all(notifications(c) for c in cases), timeout=120)
        time.sleep(2)
        assert [len(notifications(c)) for c in cases] == [1] * count
        with schema_context(alpha.schema_name):
            receipts = ProcessedEvent.objects.filter(event_id__in=ids, consumer="cases.applicant_notification")
            assert receipts.count() == count
    finally:
        again.send_signal(signal.SIGTERM)
        try:
            again.wait(timeout=20)
        except subprocess.TimeoutExpired:
            again.kill()
        log.close()


def test_a_pass_over_many_municipalities_publishes_every_event_in_order_with_four_statements(
    alpha, beta, exchange_queue, settings
):
    """Events spread thinly over municipalities: one pass locks, reads, marks and unlocks them
    all in four statements, and the exchange receives each municipality's events in order,
    across more than one window of confirms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hamaynk import events
    from hamaynk.events.publisher import Publisher
    from hamaynk.events.relay import Relay

    relay_once()  # what other tests left
    exchange_queue.bind("#")
    exchange_queue.received()
    written = {}
    for municipality, count in ((alpha, 1_300), (beta, 900)):
        with schema_context(municipality.schema_name):
            events.record_many("bench.order", ((("order.thing", n), {"n": n}) for n in range(count)))
            written[municipality.slug] = [
                str(i)
                for i in Event.objects.filter(type="bench.order", sent_at__isnull=True).values_list("id", flat=True)
            ]
    settings.EVENTS_RELAY_BATCH = 2_000
    publisher = Publisher(services.RABBITMQ_URL, settings.EVENTS_EXCHANGE, source_domain="test", timeout=5)
    relay = Relay(publisher=publisher, batch_size=2_000)
    try:
        with CaptureQueriesContext(connection) as queries:
            left = relay.drain_pass([alpha.schema_name, beta.schema_name])
    finally:
        publisher.close()
        relay.dispatcher.close()
    assert left == set()
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
    assert len(statements) == 4, [sql[:80] for sql in statements]
    received = exchange_queue.received()
    for slug, ids in written.items():
        mine = [i for i in received if i in set(ids)]
        assert mine == ids, f"{slug}: {len(mine)} of {len(ids)} received, or out of order"
    for municipality in (alpha, beta):
        with schema_context(municipality.schema_name):
            assert not Event.objects.filter(type="bench.order", sent_at__isnull=True).exists()
