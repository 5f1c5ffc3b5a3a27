"""Operators' endpoints: /healthz and /readyz on any host, before routing, with a bounded wait
when a service is a black hole; /metrics without municipality labels, protected, and added up
across gunicorn's processes; error reports tagged with the municipality's uuid only."""

import contextlib
import json
import os
import re
import signal
import time

import pytest
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from hamaynk.events import outbox
from hamaynk.monitoring import probes
from tests import services
from tests.faultproxy import FaultProxy
from tests.test_processes import _free_port, _wait_for, spawn  # noqa: F401

CHECKS = {"database", "golden_schema", "cache", "broker", "storage"}


def _client(host="10.20.30.40:8000", remote="10.0.0.9"):
    return Client(HTTP_HOST=host, REMOTE_ADDR=remote)


def _readiness(client=None):
    response = (client or _client()).get("/readyz")
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize("host", ["10.20.30.40:8000", "[fd00::7]:8000", "nowhere.example", "localhost"])
def test_healthz_answers_on_any_host_and_touches_nothing(host):
    with CaptureQueriesContext(connection) as queries:
        response = _client(host).get("/healthz")
    assert response.status_code == 200 and json.loads(response.content) == {"status": "ok"}
    assert len(queries) == 0
    assert response["Cache-Control"] == "no-store"


def test_an_unknown_host_still_gets_the_routing_page_for_other_paths():
    assert _client("nowhere.example").get("/").status_code == 404


def test_readyz_lists_every_check_with_its_time_on_a_bare_pod_address(alpha):
    status, body = _readiness()
    assert status == 200, body
    assert body["status"] == "ok" and set(body["checks"]) == CHECKS
    for result in body["checks"].values():
        assert result["ok"] is True and 0 <= result["seconds"] < 2


def test_readyz_fails_when_the_golden_schema_is_older_than_the_migrations(monkeypatch):
    monkeypatch.setattr(probes, "_migrations_digest", lambda: "a-newer-release")
    status, body = _readiness()
    assert status == 503 and body["status"] == "failing"
    assert body["checks"]["golden_schema"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    # The reason is for operators only.
    assert "detail" not in body["checks"]["golden_schema"]
    _status, inside = _readiness(_client(remote="127.0.0.1"))
    assert "golden build" in inside["checks"]["golden_schema"]["detail"]


def test_readyz_answers_503_within_3_seconds_when_the_broker_is_a_black_hole(settings):
    services.require(services.rabbitmq_available(), "RabbitMQ")
    with FaultProxy("127.0.0.1", 5672) as proxy:
        settings.CELERY_BROKER_URL = proxy.url("amqp://guest:guest@{host}:{port}//")
        status, body = _readiness()
        assert status == 200 and body["checks"]["broker"]["ok"], body

        proxy.black_hole()
        started = time.monotonic()
        status, body = _readiness()
        took = time.monotonic() - started
        assert status == 503 and body["checks"]["broker"] == {
            "ok": False,
            "seconds": body["checks"]["broker"]["seconds"],
            "error": "Timeout",
        }
        assert took < 3.0, took
        assert all(result["ok"] for name, result in body["checks"].items() if name != "broker")

        # A probe while the first check still hangs does not start a second one, and is as quick.
        started = time.monotonic()
        status, body = _readiness()
        assert status == 503 and body["checks"]["broker"]["error"] in ("StillRunning", "Timeout")
        assert time.monotonic() - started < 3.0

        proxy.pass_through()

        def ready_again():
            return _readiness()[0] == 200

        _wait_for(ready_again, 15, "readiness after the broker came back")


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_readyz_fails_when_the_database_is_refused(settings):
    with FaultProxy("127.0.0.1", 5432) as proxy:
        database = {**settings.DATABASES["default"], "HOST": proxy.host, "PORT": proxy.port}
        settings.DATABASES = {**settings.DATABASES, "default": database}
        proxy.refuse()
        status, body = _readiness()
    assert status == 503
    assert body["checks"]["database"]["ok"] is False and body["checks"]["cache"]["ok"] is True


# Metrics ------------------------------------------------------------------------------------


def _scrape(**headers):
    response = _client(remote=headers.pop("remote", "127.0.0.1")).get("/metrics", **headers)
    return response.status_code, response.content.decode()


def _value(text, name, **labels):
    """The sample `name{labels}` in Prometheus' text format, or None."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_metrics_are_refused_outside_the_allowed_networks_without_the_token(settings):
    settings.METRICS_TOKEN = "scrape-secret-123"
    assert _scrape(remote="203.0.113.9")[0] == 403
    assert _scrape(remote="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong")[0] == 403
    status, text = _scrape(remote="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret-123")
    assert status == 200 and "hamaynk_municipalities" in text
    assert _scrape(remote="127.0.0.1")[0] == 200  # the default allowed network
    settings.METRICS_ALLOWED_NETWORKS = ["10.42.0.0/16"]
    assert _scrape(remote="10.42.7.1")[0] == 200 and _scrape(remote="127.0.0.1")[0] == 403


def test_requests_are_counted_by_route_never_by_municipality(alpha, beta):
    _status, before = _scrape()
    for municipality in (alpha, beta):
        assert Client(HTTP_HOST=municipality.primary_host).get("/track/").status_code == 200
    _status, after = _scrape()
    labels = {"method": "GET", "route": "cases_public:track", "status": "200"}
    counted = _value(after, "hamaynk_http_requests_total", **labels) - (
        _value(before, "hamaynk_http_requests_total", **labels) or 0
    )
    assert counted == 2
    assert _value(after, "hamaynk_http_request_duration_seconds_count", method="GET", route="cases_public:track")
    # No label names a municipality, by uuid, slug, schema or host.
    for municipality in (alpha, beta):
        for mark in (str(municipality.uuid), municipality.slug, municipality.schema_name, municipality.primary_host):
            assert mark not in after
    labels_used = set(re.findall(r"^hamaynk_\w+\{([^}]*)\}", after, re.MULTILINE))
    names = {pair.split("=")[0] for group in labels_used for pair in group.split(",") if pair}
    assert names <= {"method", "route", "status", "state", "le", "quantile"}, names
    # A refused host is counted without its host name.
    Client(HTTP_HOST="no-such-place.localhost").get("/")
    _status, text = _scrape()
    assert _value(text, "hamaynk_http_requests_total", method="GET", route="unrouted", status="404") >= 1
    assert "no-such-place" not in text


def test_platform_gauges_count_municipalities_runs_and_the_relays_backlog(alpha, beta):
    from hamaynk.events.models import DeadLetter
    from hamaynk.tenancy.models import Municipality
    from provisioning.models import ProvisioningRun

    with schema_context(alpha.schema_name):
        outbox.record("monitoring.test", ("test", "1"), {})
        outbox.record("monitoring.test", ("test", "2"), {})
    time.sleep(0.2)
    _status, text = _scrape()
    active = Municipality.objects.filter(status="active").count()
    assert _value(text, "hamaynk_municipalities", status="active") == active >= 2
    assert (
        _value(text, "hamaynk_municipalities", status="archived")
        == Municipality.objects.filter(status="archived").count()
    )
    assert (
        _value(text, "hamaynk_provisioning_runs", state="done") == ProvisioningRun.objects.filter(state="done").count()
    )
    assert _value(text, "hamaynk_events_pending_schemas") >= 1
    assert _value(text, "hamaynk_events_pending") >= 2
    assert _value(text, "hamaynk_events_oldest_pending_age_seconds") >= 0.2
    assert _value(text, "hamaynk_events_dead_letters") == DeadLetter.objects.filter(replayed_at__isnull=True).count()


def test_a_scrape_reads_a_bounded_number_of_outboxes(alpha, beta, settings):
    for municipality in (alpha, beta):
        with schema_context(municipality.schema_name):
            outbox.record("monitoring.test", ("test", "3"), {})
    settings.METRICS_OUTBOX_SCHEMAS = 1
    with CaptureQueriesContext(connection) as queries:
        status, _text = _scrape()
    assert status == 200
    outbox_reads = [q["sql"] for q in queries.captured_queries if ".events_event" in q["sql"]]
    assert len(outbox_reads) == 1 and outbox_reads[0].count("UNION ALL") == 0
    assert len(queries) <= 10


def test_metrics_add_up_every_gunicorn_process(alpha, spawn, tmp_path):  # noqa: F811
    port = _free_port()
    folder = tmp_path / "metrics"
    web = spawn("web", "--bind", f"127.0.0.1:{port}", WEB_PROCESSES=3, WEB_THREADS=1, PROMETHEUS_MULTIPROC_DIR=folder)
    base = f"http://127.0.0.1:{port}"
    host = {"Host": f"{alpha.primary_host}:{port}"}

    def up():
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{base}/healthz", timeout=5).status_code == 200

    _wait_for(up, 60, f"the web server ({web.log})")
    sent = 30
    with requests.Session() as session:
        for _ in range(sent):
            # A new connection each time, so gunicorn's processes share the requests.
            assert requests.get(f"{base}/track/", headers=host, timeout=10).status_code == 200
    files = {path.name.split("_")[-1] for path in folder.glob("*.db")}
    assert len(files) >= 2, files  # more than one process served
    for _ in range(5):  # whichever process answers the scrape, it counts all of them
        text = session.get(f"{base}/metrics", timeout=10).text
        assert (
            _value(text, "hamaynk_http_requests_total", method="GET", route="cases_public:track", status="200") == sent
        )
    os.kill(web.pid, signal.SIGTERM)
    web.wait(timeout=30)
