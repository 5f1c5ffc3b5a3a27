"""Operators' endpoints: /healthz and /readyz on any host, before routing, with a bounded wait
when a service is a black hole; /metrics without municipality labels, protected, and added up
across gunicorn's processes; error reports tagged with the municipality's uuid only."""

import json
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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


def test_readyz_fails_when_the_database_is_refused(settings):
    with FaultProxy("127.0.0.1", 5432) as proxy:
        database = {**settings.DATABASES["default"], "HOST": proxy.host, "PORT": proxy.port}
        settings.DATABASES = {**settings.DATABASES, "default": database}
        proxy.refuse()
        status, body = _readiness()
    assert status == 503
    assert body["checks"]["database"]["ok"] is False and body["checks"]["cache"]["ok"] is True
