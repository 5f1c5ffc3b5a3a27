"""Webhooks: real deliveries to a receiver on 127.0.0.1 that checks signatures and timestamps as
docs/events.md tells receivers to; retries with backoff, giving up after the window, 410, event
types, the ministry's subscriptions, isolation between municipalities, SSRF and the forms."""

import hashlib
import hmac
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from django_tenants.utils import schema_context

from hamaynk.events import delivery, registry
from hamaynk.events.models import Event
from tenants.audit.models import Entry
from tenants.cases import workflow
from tenants.catalogue.models import Service
from tenants.webhooks import catalogue, deliveries, services, urlsafety
from tenants.webhooks.models import Attempt, Delivery, DueSchema, Subscription
from tests.events_helpers import relay_once, wait_for
from tests.registers_helpers import signed_in
from tests.two_factor_helpers import verified_login

ROOT = Path(__file__).resolve().parent.parent
RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": "Կենտրոն, Բաղրամյան, 11, 4",
    "purpose": "Բանկ",
}


# The receiver ------------------------------------------------------------------------------------


class Receiver:
    """An HTTP server in a thread that answers with the codes it is given (then 200) and keeps
    what it was sent. `verify` is what docs/events.md shows a receiver doing."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.answers.pop(0) if receiver.answers else 200
                reply = b'{"ok": true}' if code < 300 else b"x" * 10_000
                self.send_response(code)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/hamaynk"

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        return [json.loads(body) for _headers, body in self.requests]


def verify(secret, headers, body, tolerance=300):
    """A receiver's check: the timestamp is recent and the signature is ours over `<ts>.<body>`."""
    timestamp = headers["Hamaynk-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v1=" + expected, headers["Hamaynk-Signature"])


@pytest.fixture
def receiver():
    made = []

    def make(answers=()):
        made.append(Receiver(answers))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture(autouse=True)
def _webhook_settings(settings, monkeypatch, request):
    settings.WEBHOOK_ALLOW_LOCALHOST = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 5.0
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60.0
    settings.TWO_FACTOR_REQUIRED = False
    if "celery_worker" not in request.fixturenames:
        # Sending is driven by the test; the worker's shortcut would race it.
        monkeypatch.setattr(deliveries, "kick", lambda schema: None)
    yield
    _remove_subscriptions()


def _remove_subscriptions():
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM public.tenancy_municipality")
        schemas = [row[0] for row in cursor.fetchall()]
    for schema in schemas:
        with schema_context(schema):
            # A live worker may still be logging an attempt of a delivery being deleted: try again.
            for _try in range(20):
                try:
                    Subscription.objects.all().delete()
                    break
                except IntegrityError:
                    time.sleep(0.25)
    DueSchema.objects.all().delete()


# Helpers -----------------------------------------------------------------------------------------


def subscribe(municipality, url, types=("case.submitted",), **extra):
    schema = municipality.schema_name if municipality else "public"
    with schema_context(schema):
        subscription, secret = services.create(
            {"name": "Document flow", "url": url, "event_types": list(types), "region": "", **extra}
        )
    return subscription, secret


def submit(municipality):
    with schema_context(municipality.schema_name):
        case = workflow.submit(
            Service.objects.get(code="residence_certificate"),
            RESIDENCE,
            applicant={"name": "Անի Պետրոսյան", "email": "ani@example.am", "language": "en"},
            channel="window",
        )
        return Event.objects.get(type="case.submitted", aggregate_id=str(case.pk))


def take(municipality, event):
    """The webhooks consumer on the event, as the dispatch task runs it (once per event)."""
    with schema_context(municipality.schema_name):
        return delivery.deliver(event, registry.get("webhooks"))


def send(schema):
    with schema_context(schema):
        return deliveries.send_due()


def make_due(schema, subscription):
    with schema_context(schema):
        Delivery.objects.filter(subscription=subscription, status="pending").update(next_attempt_at=timezone.now())


def deliveries_of(schema, subscription):
    with schema_context(schema):
        return list(Delivery.objects.filter(subscription=subscription).order_by("pk"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The catalogue -----------------------------------------------------------------------------------


def test_the_catalogue_lists_every_event_type_the_code_records():
    recorded = set()
    for path in list((ROOT / "tenants").rglob("*.py")) + list((ROOT / "platform").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r"events\.record(?:_many)?\(\s*\"([a-z_.]+)\"", text))
        recorded |= set(re.findall(r"\"(municipality\.[a-z_]+)\"", text))
    recorded |= set(re.findall(r"\"(municipality\.[a-z_]+)\"", (ROOT / "provisioning" / "pipeline.py").read_text()))
    assert {"case.submitted", "register.record.created", "municipality.suspended"} <= recorded
    assert recorded <= set(catalogue.ALL), recorded - set(catalogue.ALL)
    assert set(registry.get("webhooks").event_types) == set(catalogue.ALL)


# Deliveries --------------------------------------------------------------------------------------


def test_a_delivery_is_a_signed_cloudevent_the_receiver_verifies(alpha, receiver, settings):
    hook = receiver()
    subscription, secret = subscribe(alpha, hook.url)
    event = submit(alpha)
    assert take(alpha, event) is True
    assert take(alpha, event) is False  # the same event again: no second delivery
    [made] = deliveries_of(alpha.schema_name, subscription)
    assert DueSchema.objects.filter(schema_name=alpha.schema_name).exists()

    assert send(alpha.schema_name) == 1
    [(headers, body)] = hook.requests
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body.replace(b"residence_certificate", b"building_permit"))
    assert not verify("whsec_someone-else", headers, body)
    assert headers["Content-Type"] == "application/cloudevents+json; charset=utf-8"
    assert headers["Hamaynk-Attempt"] == "1"
    document = json.loads(body)
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    assert document == {
        "specversion": "1.0",
        "id": str(event.id),
        "source": f"{settings.PLATFORM_SCHEME}://alpha.{settings.PLATFORM_DOMAIN}{port}",
        "type": "am.hamaynk.case.submitted.v1",
        "subject": f"cases.case/{event.aggregate_id}",
        "time": event.occurred_at.isoformat(),
        "datacontenttype": "application/json",
        "municipality": "alpha",
        "data": event.payload,
    }
    [made] = deliveries_of(alpha.schema_name, subscription)
    assert made.status == "delivered" and made.attempts == 1 and made.last_status_code == 200
    with schema_context(alpha.schema_name):
        [logged] = Attempt.objects.filter(delivery=made)
        assert logged.succeeded and logged.status_code == 200 and logged.response_body == '{"ok": true}'
    assert not DueSchema.objects.filter(schema_name=alpha.schema_name).exists()


def test_a_subscription_gets_only_its_event_types(alpha, receiver):
    hook = receiver()
    registers_only, _ = subscribe(alpha, hook.url, types=("register.record.created",))
    take(alpha, submit(alpha))
    assert deliveries_of(alpha.schema_name, registers_only) == []
    send(alpha.schema_name)
    assert hook.requests == []


def test_a_500_and_a_refused_connection_are_retried_with_backoff(alpha, receiver):
    hook = receiver(answers=[500])
    flaky, _ = subscribe(alpha, hook.url)
    refused, _ = subscribe(alpha, f"http://127.0.0.1:{free_port()}/nobody-listens")
    take(alpha, submit(alpha))

    before = timezone.now()
    assert send(alpha.schema_name) == 2
    [first] = deliveries_of(alpha.schema_name, flaky)
    assert first.status == "pending" and first.attempts == 1 and first.last_status_code == 500
    assert 59 <= (first.next_attempt_at - before).total_seconds() <= 62
    [down] = deliveries_of(alpha.schema_name, refused)
    assert down.status == "pending" and down.last_status_code is None and "Connection refused" in down.last_error
    with schema_context(alpha.schema_name):
        failed = Attempt.objects.get(delivery=first)
        assert failed.status_code == 500 and not failed.succeeded and len(failed.response_body) == 2000
    # Nothing is due before the backoff has passed.
    assert send(alpha.schema_name) == 0
    assert DueSchema.objects.get(schema_name=alpha.schema_name).next_due_at == min(
        first.next_attempt_at, down.next_attempt_at
    )

    make_due(alpha.schema_name, flaky)
    make_due(alpha.schema_name, refused)
    before = timezone.now()
    assert send(alpha.schema_name) == 2
    [first] = deliveries_of(alpha.schema_name, flaky)
    assert first.status == "delivered" and first.attempts == 2
    assert len(hook.requests) == 2 and hook.requests[1][0]["Hamaynk-Attempt"] == "2"
    assert hook.requests[0][1] == hook.requests[1][1]  # the same document each time
    [down] = deliveries_of(alpha.schema_name, refused)
    assert down.attempts == 2 and 119 <= (down.next_attempt_at - before).total_seconds() <= 122


def test_a_black_holed_receiver_costs_one_timeout(alpha, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)  # accepts connections, never answers
    try:
        silent, _ = subscribe(alpha, f"http://127.0.0.1:{hole.getsockname()[1]}/")
        take(alpha, submit(alpha))
        take(alpha, submit(alpha))
        started = time.monotonic()
        assert send(alpha.schema_name) == 1  # the second waits for the first's retry
        assert time.monotonic() - started < 3
        made = deliveries_of(alpha.schema_name, silent)
        assert [d.attempts for d in made] == [1, 0]
        assert made[0].last_error == "no answer within 1 s"
        assert made[1].next_attempt_at == made[0].next_attempt_at
    finally:
        hole.close()


def test_deliveries_are_given_up_after_the_retry_window_and_can_be_sent_again(alpha, receiver, settings, client_for):
    settings.WEBHOOK_RETRY_HOURS = 2 / 3600  # two seconds
    hook = receiver(answers=[503, 503])
    subscription, _ = subscribe(alpha, hook.url)
    take(alpha, submit(alpha))
    send(alpha.schema_name)
    [made] = deliveries_of(alpha.schema_name, subscription)
    assert made.status == "pending" and made.next_attempt_at == made.give_up_at  # the last try at the end
    time.sleep(max(0.0, (made.give_up_at - timezone.now()).total_seconds()) + 0.1)
    assert send(alpha.schema_name) == 1
    [made] = deliveries_of(alpha.schema_name, subscription)
    assert made.status == "dead" and made.attempts == 2 and made.next_attempt_at is None
    assert send(alpha.schema_name) == 0 and len(hook.requests) == 2

    admin = signed_in(client_for, alpha, "hooks-admin@alpha.test", "administrator")
    page = admin.get(f"/staff/webhooks/{subscription.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-delivery="{made.pk}"' in page and "503" in page
    settings.WEBHOOK_RETRY_HOURS = 24
    response = admin.post(f"/staff/webhooks/{subscription.pk}/send-again/", {"delivery": made.pk})
    assert response.status_code == 302
    assert send(alpha.schema_name) == 1
    [made] = deliveries_of(alpha.schema_name, subscription)
    assert made.status == "delivered" and made.attempts == 3


def test_410_gone_pauses_the_subscription(alpha, receiver):
    hook = receiver(answers=[410])
    subscription, _ = subscribe(alpha, hook.url)
    take(alpha, submit(alpha))
    send(alpha.schema_name)
    with schema_context(alpha.schema_name):
        subscription.refresh_from_db()
        assert subscription.paused_at is not None and "410" in subscription.pause_reason
        assert Entry.objects.filter(object_type="webhooks.subscription", action="suspend").exists()
    # Paused: new events make no delivery, the held one is not sent.
    take(alpha, submit(alpha))
    assert len(deliveries_of(alpha.schema_name, subscription)) == 1
    make_due(alpha.schema_name, subscription)
    assert send(alpha.schema_name) == 0 and len(hook.requests) == 1

    with schema_context(alpha.schema_name):
        assert services.resume(subscription)
    assert send(alpha.schema_name) == 1
    [held] = deliveries_of(alpha.schema_name, subscription)
    assert held.status == "delivered" and len(hook.requests) == 2


# The ministry ------------------------------------------------------------------------------------


def test_the_ministrys_subscription_receives_every_municipalitys_events(
    alpha, beta, receiver, client_for, ministry_user
):
    hook = receiver()
    console = verified_login(client_for("localhost"), ministry_user)
    response = console.post(
        "/console/webhooks/",
        {"name": "National registry", "url": hook.url, "event_types": ["case.submitted"], "region": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    secret = re.search(r'<code id="signing-secret">([^<]+)</code>', response.content.decode()).group(1)
    elsewhere = hook.url.replace("/hooks/", "/elsewhere/")
    other_region, _ = subscribe(None, elsewhere, region="shirak")
    assert alpha.region.code == beta.region.code == "kotayk"

    for municipality in (alpha, beta):
        take(municipality, submit(municipality))
    assert send("public") == 2
    documents = hook.events()
    assert sorted(d["municipality"] for d in documents) == ["alpha", "beta"]
    assert all(verify(secret, headers, body) for headers, body in hook.requests)
    assert {d["source"].split("//")[1].split(".")[0] for d in documents} == {"alpha", "beta"}
    assert deliveries_of("public", other_region) == []
    # The ministry's deliveries are in the public schema, never in a municipality's.
    with schema_context(alpha.schema_name):
        assert not Subscription.objects.filter(name="National registry").exists()

    [subscription] = Subscription.objects.filter(name="National registry")
    page = console.get(f"/console/webhooks/{subscription.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("data-attempt=") == 2 and secret not in page
    assert Entry.objects.filter(object_type="webhooks.subscription", action="create").exists()


# Isolation ---------------------------------------------------------------------------------------


def test_a_municipality_never_receives_or_sees_anothers_subscriptions(alpha, beta, receiver, client_for):
    alpha_hook, beta_hook = receiver(), receiver()
    alphas, _ = subscribe(alpha, alpha_hook.url)
    subscribe(alpha, alpha_hook.url.replace("/hooks/", "/second/"))
    betas, _ = subscribe(beta, beta_hook.url)
    with schema_context(beta.schema_name):
        betas.name = "Beta's payment system"
        betas.save()
    take(alpha, submit(alpha))
    send(alpha.schema_name)
    send(beta.schema_name)
    assert [d["municipality"] for d in alpha_hook.events()] == ["alpha", "alpha"]
    assert beta_hook.requests == []

    admin = signed_in(client_for, alpha, "hooks-admin@alpha.test", "administrator")
    listing = admin.get("/staff/webhooks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Beta&#x27;s payment system" not in listing and beta_hook.url not in listing
    assert alpha_hook.url in listing
    with schema_context(alpha.schema_name):
        alpha_pks = set(Subscription.objects.values_list("pk", flat=True))
    missing = max(alpha_pks | {betas.pk}) + 1000
    assert admin.get(f"/staff/webhooks/{missing}/").status_code == 404
    detail = admin.get(f"/staff/webhooks/{alphas.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Beta&#x27;s payment system" not in detail


# Forms, permissions and SSRF ---------------------------------------------------------------------


def test_the_form_explains_bad_input_and_shows_the_secret_once(alpha, client_for, receiver):
    hook = receiver()
    admin = signed_in(client_for, alpha, "hooks-admin@alpha.test", "administrator")
    bad = admin.post(
        "/staff/webhooks/", {"name": "Payments", "url": "http://payments.example.am/hook"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Only https addresses are accepted." in page and "Choose at least one event to send." in page
    with schema_context(alpha.schema_name):
        assert not Subscription.objects.exists()

    made = admin.post(
        "/staff/webhooks/",
        {"name": "Payments", "url": hook.url, "event_types": ["case.submitted", "case.decided"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert made.status_code == 200
    secret = re.search(r'<code id="signing-secret">(whsec_[^<]+)</code>', made.content.decode()).group(1)
    with schema_context(alpha.schema_name):
        subscription = Subscription.objects.get(name="Payments")
        assert subscription.secret == secret and subscription.event_types == ["case.submitted", "case.decided"]
        assert Entry.objects.filter(object_type="webhooks.subscription", action="create").exists()
    assert secret not in admin.get("/staff/webhooks/").content.decode()
    assert secret not in admin.get(f"/staff/webhooks/{subscription.pk}/").content.decode()

    specialist = signed_in(client_for, alpha, "hooks-specialist@alpha.test", "specialist")
    assert specialist.get("/staff/webhooks/").status_code == 403
    assert specialist.post(f"/staff/webhooks/{subscription.pk}/pause/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.8/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_private_and_local_addresses_are_refused(url, settings):
    settings.WEBHOOK_ALLOW_LOCALHOST = False
    with pytest.raises(urlsafety.UnsafeAddress, match="private or local network address"):
        urlsafety.check(url)


def test_ssrf_is_checked_again_when_delivering(alpha, receiver, settings):
    assert urlsafety.check("https://93.184.216.34/hook").address == "93.184.216.34"
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert urlsafety.check("https://10.20.1.5/hook").address == "10.20.1.5"
    with pytest.raises(urlsafety.UnsafeAddress, match="Only https"):
        urlsafety.check("http://93.184.216.34/hook")
    with pytest.raises(urlsafety.UnsafeAddress, match="user name or password"):
        urlsafety.check("https://user:pw@93.184.216.34/hook")

    hook = receiver()
    subscription, _ = subscribe(alpha, hook.url.replace("http://127.0.0.1", "https://localhost"))
    settings.WEBHOOK_ALLOW_LOCALHOST = False  # production: the name now leads somewhere refused
    take(alpha, submit(alpha))
    send(alpha.schema_name)
    [made] = deliveries_of(alpha.schema_name, subscription)
    assert made.status == "pending" and "private or local network address" in made.last_error
    assert hook.requests == []


# End to end --------------------------------------------------------------------------------------


def test_the_relay_and_the_worker_deliver_without_help(alpha, receiver, celery_worker):
    hook = receiver()
    _subscription, secret = subscribe(alpha, hook.url, types=("case.submitted",))
    event = submit(alpha)
    relay_once()

    def ours():
        # alpha is the session's municipality: other tests' events may be relayed in the same pass.
        return [(headers, body) for headers, body in hook.requests if json.loads(body)["id"] == str(event.id)]

    assert wait_for(ours, timeout=90)  # a loaded machine: the relay pass, the worker, then the delivery task
    [(headers, body)] = ours()
    assert verify(secret, headers, body)
