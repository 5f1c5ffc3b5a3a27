"""Test session: a fresh PostgreSQL database, migrated, with its golden schema, and two
provisioned municipalities (alpha, beta) that isolation tests compare."""

import os
import tempfile
import uuid

import psycopg
import pytest

from tests import services

TEST_DB = f"hamaynk_test_{os.getpid()}"


def _admin_connect(server_url):
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(server_url)
    host = unquote(parts.hostname or "") if parts.hostname else unquote(parts.netloc.split("@")[-1])
    return psycopg.connect(
        host=host or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )


def pytest_configure(config):
    server = services.database_server_url()
    try:
        with _admin_connect(server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}"')
            conn.execute(f'CREATE DATABASE "{TEST_DB}"')
    except psycopg.OperationalError as exc:
        raise pytest.UsageError(f"PostgreSQL is required for the tests and is not reachable: {exc}") from exc
    config._hamaynk_db_server = server

    var = tempfile.mkdtemp(prefix="hamaynk-test-var-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "hamaynk.settings",
            "DATABASE_URL": services.with_database(server, TEST_DB),
            "HAMAYNK_VAR_DIR": var,
            "PLATFORM_DOMAIN": "localhost",
            "CACHE_URL": "locmemcache://tests",
            "EMAIL_URL": "memorymail://",
            "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher",
            "DB_CONN_MAX_AGE": "0",
            "LOG_LEVEL": "WARNING",
            # Playwright's sync API keeps an event loop in the test thread; the ORM calls there are
            # still synchronous and safe.
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
            # Every task of this run goes to a queue of its own, deleted at the end.
            "CELERY_TASK_DEFAULT_QUEUE": f"hamaynk-test-{os.getpid()}",
        }
    )
    os.makedirs(os.path.join(var, "static"), exist_ok=True)
    if services.rabbitmq_available():
        os.environ["CELERY_BROKER_URL"] = services.RABBITMQ_URL
        os.environ["CELERY_RESULT_BACKEND"] = "rpc://"
    else:
        os.environ["CELERY_BROKER_URL"] = "filesystem://"
        os.makedirs(os.path.join(var, "queue"), exist_ok=True)
        os.makedirs(os.path.join(var, "queue-processed"), exist_ok=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("setup", verbosity=0)


def pytest_unconfigure(config):
    _delete_test_queue()
    server = getattr(config, "_hamaynk_db_server", None)
    if not server:
        return
    from django.db import connections

    connections.close_all()
    try:
        with _admin_connect(server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)')
    except psycopg.Error:
        pass


def _delete_test_queue():
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("amqp"):
        return
    try:
        from hamaynk.celery import app

        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(os.environ["CELERY_TASK_DEFAULT_QUEUE"])
    except Exception:  # the broker went away: nothing left to clean
        pass


def make_request(slug=None, **overrides):
    from provisioning.requests import MunicipalityRequest

    slug = slug or f"t{uuid.uuid4().hex[:10]}"
    values = dict(
        slug=slug,
        names={"hy": f"Համայնք {slug}", "en": f"Community {slug}", "ru": f"Община {slug}"},
        region="kotayk",
        settlements=[{"hy": "Կենտրոն", "en": "Kentron", "ru": "Кентрон"}, {"hy": "Գյուղ", "en": "Gyugh", "ru": "Гюх"}],
        admin_email=f"admin@{slug}.test",
        phone="+374 10 000000",
        email=f"info@{slug}.test",
    )
    values.update(overrides)
    return MunicipalityRequest(**values)


ONBOARDING_COLUMNS = ["slug", "name_hy", "name_en", "name_ru", "region", "settlements", "admin_email"]


def onboarding_csv(path, *rows):
    """A `hamaynk provision --csv` file with the required columns and these rows."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ONBOARDING_COLUMNS)
        writer.writerows(rows)
    return path


def provision_ok(slug=None, **overrides):
    from provisioning.models import ProvisioningRun
    from provisioning.pipeline import provision

    run = provision(make_request(slug, **overrides))
    assert run.state == ProvisioningRun.State.DONE, run.error
    run.municipality.refresh_from_db()
    return run.municipality


@pytest.fixture(scope="session")
def alpha():
    return provision_ok("alpha", admin_password="alpha-password-1")


@pytest.fixture(scope="session")
def beta():
    return provision_ok("beta", admin_password="beta-password-1")


@pytest.fixture(autouse=True)
def _clean_state_between_tests():
    """Public schema, empty cache (and host memo), and English for messages checked outside a request (pages
    pick their language per request, Armenian by default)."""
    from django.core.cache import cache
    from django.db import connection
    from django.utils import translation

    from hamaynk.tenancy import routing

    connection.set_schema_to_public()
    translation.activate("en")
    routing.clear_memo()
    yield
    translation.deactivate()
    connection.set_schema_to_public()
    cache.clear()
    routing.clear_memo()


@pytest.fixture
def client_for():
    from django.test import Client

    def make(host):
        return Client(HTTP_HOST=host)

    return make


@pytest.fixture
def ministry_user():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user, _ = User.objects.get_or_create(username="minister", defaults={"is_staff": True})
    user.is_staff = True
    user.set_password("minister-password-1")
    user.save()
    return user


@pytest.fixture
def settings():
    """Django settings, restored after the test (like pytest-django's fixture)."""
    from django.test import override_settings

    class Settings:
        def __init__(self):
            self._overrides = []

        def __setattr__(self, name, value):
            if name.startswith("_"):
                return super().__setattr__(name, value)
            override = override_settings(**{name: value})
            override.enable()
            self._overrides.append(override)

        def __getattr__(self, name):
            from django.conf import settings as django_settings

            return getattr(django_settings, name)

    holder = Settings()
    yield holder
    for override in reversed(holder._overrides):
        override.disable()


@pytest.fixture(scope="session")
def celery_worker():
    """A real Celery worker in a thread: on RabbitMQ when it is there (always under CI), else
    on the file-system queue the laptop default uses."""
    from celery.contrib.testing.worker import start_worker

    from hamaynk.celery import app

    if services.IN_CI and not services.rabbitmq_available():
        pytest.fail("RabbitMQ is required under CI=true and is not available")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING") as worker:
        worker.app = app
        yield worker


@pytest.fixture(scope="session")
def live_server():
    """The whole WSGI application on a free port, threaded like a real server."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from django.test import override_settings

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
    server.set_app(get_wsgi_application())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    override = override_settings(PLATFORM_PORT=str(port))
    override.enable()
    yield f"http://localhost:{port}", port
    override.disable()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    services.require(services.chromium_available(), "Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=services.CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="hy-AM", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    folder = os.environ.get("HAMAYNK_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{request.node.name}.png"), full_page=True)
    context.close()
