"""Prometheus metrics: requests, and the platform's state read from the public schema at scrape
time.

No metric carries a municipality: with 1,500 of them every label value would multiply each
series by 1,500. Requests are labelled by method, route (the URL pattern's name, a fixed set)
and status code; what concerns one municipality is in its logs (every line names it) and in
the console.

Under gunicorn with several processes, each process writes its counters to files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode; `hamaynk web` makes a folder
when none is given) and a scrape of any process adds them all up. The platform gauges are not
per process: they are read from the database by the process that answers the scrape, with a
few cheap queries (grouped counts, the public index of schemas with pending events, and at
most METRICS_OUTBOX_SCHEMAS of those schemas' unsent-events indexes).
"""

import os
import time

from django.conf import settings
from django.db import connection, transaction
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "hamaynk_http_requests",
    "HTTP requests answered, by method, route and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "hamaynk_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by method and route.",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
IN_PROGRESS = Gauge(
    "hamaynk_http_requests_in_progress",
    "Requests being served now.",
    multiprocess_mode="livesum",
)


def route_of(request):
    """The URL pattern's name ('cases_public:track', 'wagtail_serve'), or what stopped the request
    before a view: 'unrouted' (refused host, suspended municipality …) or 'unmatched' (404)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match._func_path
    if not hasattr(request, "urlconf"):
        return "unrouted"
    return "unmatched"


def observe(request, response, seconds):
    method = request.method if request.method in METHODS else "other"
    route = route_of(request)
    REQUESTS.labels(method, route, str(response.status_code)).inc()
    LATENCY.labels(method, route).observe(seconds)


class PlatformCollector:
    """Gauges read from the public schema when Prometheus scrapes."""

    def collect(self):
        from hamaynk.events.models import DeadLetter
        from hamaynk.tenancy.models import Municipality
        from provisioning.models import ProvisioningRun

        connection.set_schema_to_public()
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [f"{int(settings.READINESS_TIMEOUT * 1000)}"]
            )
            municipalities = GaugeMetricFamily("hamaynk_municipalities", "Municipalities by status.", labels=["status"])
            counts = dict(Municipality.objects.values_list("status").annotate(n=_count()).values_list("status", "n"))
            for status in Municipality.Status.values:
                municipalities.add_metric([status], counts.get(status, 0))
            yield municipalities

            runs = GaugeMetricFamily("hamaynk_provisioning_runs", "Provisioning runs by state.", labels=["state"])
            counts = dict(ProvisioningRun.objects.values_list("state").annotate(n=_count()).values_list("state", "n"))
            for state in ProvisioningRun.State.values:
                runs.add_metric([state], counts.get(state, 0))
            yield runs

            yield from _outbox(cursor)

            yield GaugeMetricFamily(
                "hamaynk_events_dead_letters",
                "Events a consumer kept failing on, waiting for replay.",
                value=DeadLetter.objects.filter(replayed_at__isnull=True).count(),
            )
        yield GaugeMetricFamily(
            "hamaynk_metrics_platform_scrape_seconds",
            "Time the platform gauges of this scrape took to read.",
            value=time.perf_counter() - started,
        )


def _count():
    from django.db.models import Count

    return Count("*")


def _outbox(cursor):
    """The relay's backlog from its public index (hamaynk.events: a row per schema with unsent
    events), then the unsent events of the longest-waiting METRICS_OUTBOX_SCHEMAS schemas."""
    cursor.execute(
        "SELECT p.schema_name, extract(epoch FROM now() - p.since) FROM public.events_pendingschema p "
        "JOIN pg_namespace n ON n.nspname = p.schema_name"  # a schema dropped since is not read
    )
    indexed = sorted(cursor.fetchall(), key=lambda row: -row[1])
    pending = oldest = 0.0
    examined = indexed[: settings.METRICS_OUTBOX_SCHEMAS]
    if examined:
        cursor.execute(
            " UNION ALL ".join(
                "SELECT count(*), extract(epoch FROM now() - min(occurred_at)) "
                f"FROM {connection.ops.quote_name(schema)}.events_event WHERE sent_at IS NULL"
                for schema, _age in examined
            )
        )
        for count, age in cursor.fetchall():
            pending += count
            oldest = max(oldest, float(age or 0))
    yield GaugeMetricFamily(
        "hamaynk_events_pending_schemas", "Schemas with events the relay has not sent yet.", value=len(indexed)
    )
    yield GaugeMetricFamily(
        "hamaynk_events_pending",
        "Events not yet sent by the relay (in at most METRICS_OUTBOX_SCHEMAS schemas, the longest waiting).",
        value=pending,
    )
    yield GaugeMetricFamily(
        "hamaynk_events_oldest_pending_age_seconds",
        "Age of the oldest event the relay has not sent yet (0 when none): the relay's lag.",
        value=oldest,
    )


def exposition():
    """The text Prometheus reads: every process's request metrics and the platform gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        from prometheus_client import REGISTRY as processes
    platform = CollectorRegistry()
    platform.register(PlatformCollector())
    return generate_latest(processes) + generate_latest(platform)
