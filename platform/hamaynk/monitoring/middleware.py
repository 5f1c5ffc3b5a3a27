"""The operators' endpoints, answered before host routing and before anything reads the Host
header (so ALLOWED_HOSTS never refuses them and a kubelet probing the pod's bare IP gets an
answer); only the trusted-proxy middleware runs before them, so the metrics' allowed networks
see the client's address and not the proxy's.

- GET /healthz: 200 while the process can answer; touches nothing.
- GET /readyz: 200 or 503 with every check, its result and its time (probes.py).
- GET /metrics: Prometheus' text format (metrics.py), to a bearer token (METRICS_TOKEN) or to
  an address in METRICS_ALLOWED_NETWORKS; 403 to anyone else.
"""

import hmac
import ipaddress
import json
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse

PROBE_PATHS = {"/healthz", "/readyz", "/metrics"}


def _networks(values):
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def operator_allowed(request):
    """The caller gave METRICS_TOKEN as a bearer token, or comes from METRICS_ALLOWED_NETWORKS."""
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(settings.METRICS_ALLOWED_NETWORKS))


class OperatorEndpointsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/") or "/"
        if path not in PROBE_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(status=405, content_type="text/plain")
            response["Allow"] = "GET, HEAD"
            return response
        if path == "/healthz":
            response = JsonResponse({"status": "ok"})
        elif path == "/readyz":
            response = self._readiness(request)
        else:
            response = self._metrics(request)
        response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def _readiness(request):
        from . import probes

        started = time.perf_counter()
        ready, checks = probes.readiness()
        # Error details (host names, folders) only to operators; everyone sees which check failed.
        if not operator_allowed(request):
            checks = {name: {k: v for k, v in result.items() if k != "detail"} for name, result in checks.items()}
        body = {"status": "ok" if ready else "failing", "seconds": round(time.perf_counter() - started, 4)}
        body["checks"] = checks
        response = HttpResponse(json.dumps(body), status=200 if ready else 503, content_type="application/json")
        # probes.readiness() logged each failed check as a warning: no error line per probe on top
        # (nor an error report to Sentry every few seconds while a service is down).
        response._has_been_logged = True
        return response

    @staticmethod
    def _metrics(request):
        if not operator_allowed(request):
            return HttpResponse(
                "Metrics need METRICS_TOKEN as a bearer token or an address in METRICS_ALLOWED_NETWORKS.\n",
                status=403,
                content_type="text/plain",
            )
        from prometheus_client import CONTENT_TYPE_LATEST

        from . import metrics

        return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


class RequestMetricsMiddleware:
    """Counts and times every request after the operators' endpoints (probes every few seconds
    would drown the figures), whatever answered it: a view, the routing middleware, an error."""

    def __init__(self, get_response):
        from . import metrics

        self.metrics = metrics
        self.get_response = get_response

    def __call__(self, request):
        self.metrics.IN_PROGRESS.inc()
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            self.metrics.IN_PROGRESS.dec()
        self.metrics.observe(request, response, time.perf_counter() - started)
        return response
