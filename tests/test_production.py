"""Production settings: `hamaynk check --deploy` clean with a production environment, https links
behind a TLS proxy (and only a trusted proxy may say so), Redis as the cache with every key
carrying its municipality, error reports tagged with the municipality's uuid and nothing
personal."""

import os
import secrets
import subprocess
import sys
import uuid

import redis
import sentry_sdk
from django.core import mail
from django.test import Client, RequestFactory
from django_tenants.utils import schema_context

from hamaynk.monitoring import sentry
from hamaynk.proxies import TrustedProxyMiddleware
from tests import services
from tests.test_cases import RESIDENCE

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SESSION_COOKIE_SECURE": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "true",
    "TRUSTED_PROXIES": "10.0.0.0/8",
    "PLATFORM_SCHEME": "https",
    "PLATFORM_DOMAIN": "hamaynk.example",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
}


def _check_deploy(**environment):
    test_only = ("DEBUG", "SECRET_KEY", "HAMAYNK_COMMAND", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-m", "hamaynk.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_environment():
    result = _check_deploy(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_with_the_laptop_defaults():
    result = _check_deploy()
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W009", "security.W012"):
        assert warning in result.stderr, result.stderr


# Behind a TLS proxy -------------------------------------------------------------------------------


def _through_proxy(peer, forwarded_for="", proto="https"):
    request = RequestFactory().get(
        "/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded_for, HTTP_X_FORWARDED_PROTO=proto
    )
    seen = {}

    def view(req):
        seen.update(addr=req.META["REMOTE_ADDR"], secure=req.is_secure())

    TrustedProxyMiddleware(view)(request)
    return seen


def test_only_a_trusted_proxy_names_the_client_and_the_scheme(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The right-most address that is not one of our proxies (a client can put anything on the left).
    assert _through_proxy("10.1.2.3", "1.2.3.4, 198.51.100.7, 10.9.9.9") == {"addr": "198.51.100.7", "secure": True}
    assert _through_proxy("10.1.2.3", "", proto="http") == {"addr": "10.1.2.3", "secure": False}
    # Straight to the application: the headers are dropped.
    assert _through_proxy("203.0.113.5", "198.51.100.7") == {"addr": "203.0.113.5", "secure": False}
    settings.TRUSTED_PROXIES = []
    assert _through_proxy("10.1.2.3", "198.51.100.7") == {"addr": "10.1.2.3", "secure": False}


def _confirmation_link(municipality, **meta):
    mail.outbox.clear()
    email = f"{uuid.uuid4().hex[:8]}@example.am"
    form = {
        "applicant_name": "Նարե Սարգսյան",
        "applicant_email": email,
        **{k: v for k, v in RESIDENCE.items() if k != "address"},
        "address_0": "Կենտրոն",
        "address_1": "Բաղրամյան",
        "address_2": "11",
        "address_3": "",
    }
    response = Client(HTTP_HOST=municipality.primary_host, **meta).post("/apply/residence_certificate/", form)
    assert response.status_code == 200
    body = next(m.body for m in mail.outbox if m.to == [email])
    return next(line.strip() for line in body.splitlines() if "/apply/confirm/" in line)


def test_links_in_emails_are_https_behind_the_tls_proxy(alpha, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    link = _confirmation_link(
        alpha, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert link.startswith(f"https://{alpha.primary_host}/apply/confirm/"), link
    # A client that reaches the application directly cannot make it write https (or anything else).
    link = _confirmation_link(alpha, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https")
    assert link.startswith(f"http://{alpha.primary_host}/apply/confirm/"), link


def test_hsts_and_the_content_security_policy_are_sent(alpha, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    response = Client(HTTP_HOST=alpha.primary_host).get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<style nonce="{nonce}">' in response.content.decode()  # the site's colours


# Redis ------------------------------------------------------------------------------------------


def test_the_redis_cache_serves_the_routing_middleware_with_municipality_keys(alpha, beta, settings):
    import environ

    services.require(services.port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    prefix = f"hamaynk-test-{uuid.uuid4().hex[:8]}"
    config = environ.Env.cache_url_config(environ.Env.parse_value("redis://127.0.0.1:6379/0", str))
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    settings.CACHES = {"default": {**config, "KEY_PREFIX": prefix, "KEY_FUNCTION": "hamaynk.tenancy.cache.make_key"}}
    server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        for municipality in (alpha, beta):
            response = Client(HTTP_HOST=municipality.primary_host).get("/")
            assert response.status_code == 200 and municipality.name in response.content.decode()
        keys = {key.decode() for key in server.scan_iter(match=f"*:{prefix}:*")}
        # The host lookup is platform-wide; everything else names its municipality.
        assert f"platform:{prefix}:1:platform:host:{alpha.primary_host}" in keys
        assert f"platform:{prefix}:1:platform:host:{beta.primary_host}" in keys
        alpha_keys = {key for key in keys if key.startswith(f"{alpha.uuid}:{prefix}:")}
        beta_keys = {key for key in keys if key.startswith(f"{beta.uuid}:{prefix}:")}
        assert alpha_keys and beta_keys
        assert {key.split(":", 1)[1] for key in alpha_keys} & {key.split(":", 1)[1] for key in beta_keys}
        assert keys == alpha_keys | beta_keys | {k for k in keys if k.startswith("platform:")}
        # The same cache key read in one municipality never gives the other's entry.
        from django.core.cache import cache

        with schema_context(alpha.schema_name):
            cache.set("isolation-probe", "alpha's")
        with schema_context(beta.schema_name):
            assert cache.get("isolation-probe") is None
    finally:
        stale = list(server.scan_iter(match=f"*:{prefix}:*"))
        if stale:
            server.delete(*stale)


# Sentry -----------------------------------------------------------------------------------------


class FakeTransport(sentry_sdk.transport.Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type in ("event", "transaction"):
                self.events.append(item.payload.json)


def test_error_reports_carry_the_municipality_uuid_and_nothing_personal(alpha):
    transport = FakeTransport()
    sentry.init("https://public@sentry.example/1", environment="test", transport=transport)
    try:
        with schema_context(alpha.schema_name):
            from django.db import connection

            connection.set_tenant(alpha)
            applicant_email = "@".join(["ani.petrosyan", "example.am"])  # a local variable that must not travel
            try:
                raise ValueError(f"something broke ({len(applicant_email)})")
            except ValueError:
                sentry_sdk.capture_exception()
        connection.set_schema_to_public()
        sentry_sdk.capture_message("platform-wide")
        sentry_sdk.flush()
    finally:
        sentry_sdk.init()  # no DSN: off again for the rest of the session
    municipal, platform = transport.events
    assert municipal["tags"]["municipality"] == str(alpha.uuid)
    assert platform["tags"]["municipality"] == "platform"
    text = repr(municipal)
    assert "ani.petrosyan@example.am" not in text and "user" not in municipal
    assert alpha.slug not in repr(municipal["tags"]) and alpha.name not in text
    frames = municipal["exception"]["values"][0]["stacktrace"]["frames"]
    assert all("vars" not in frame for frame in frames)
