"""The real services the tests talk to, found (or started) once per test session.

Under CI=true a missing service is a failure, never a skip.
"""

import os
import shutil
import socket
import tempfile
from urllib.parse import urlsplit, urlunsplit

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def port_open(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(available, what):
    """Skip a test whose service is missing on a developer's machine; fail it under CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true and is not available")
    pytest.skip(f"{what} is not available here")


def rabbitmq_available():
    parts = urlsplit(RABBITMQ_URL)
    return port_open(parts.hostname or "127.0.0.1", parts.port or 5672)


def chromium_available():
    return os.path.exists(CHROMIUM)


_embedded = None


def database_server_url():
    """A server URL (database part left to the caller) for the test database."""
    global _embedded
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    if IN_CI or port_open("127.0.0.1", 5432):
        return "postgres://postgres@127.0.0.1:5432/postgres"
    try:
        import pgserver  # a developer's machine with no PostgreSQL: the embedded one
    except ImportError:  # Python 3.13, or a system pgserver has no build for
        raise pytest.UsageError(
            "No PostgreSQL for the tests: set TEST_DATABASE_URL or start one on 127.0.0.1:5432 "
            "(this Python has no embedded PostgreSQL, pgserver)."
        ) from None

    folder = tempfile.mkdtemp(prefix="hamaynk-test-pg-")
    _embedded = pgserver.get_server(folder, cleanup_mode="delete")
    return f"postgres://postgres@{folder.replace('/', '%2F')}/postgres"


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
