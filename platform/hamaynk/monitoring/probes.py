"""`/healthz` and `/readyz`, answered before any routing (see middleware.py).

Liveness touches nothing: a process that can run Python and answer is alive, and restarting it
because the database is away would not bring the database back. Readiness asks every service a
request may need: the database, the golden schema being current for this release's migrations
(the check `hamaynk golden status` makes), the shared cache, the task broker and the file
storage. Each check runs in a thread of its own and all of them share one deadline
(READINESS_TIMEOUT), so a service that accepts a connection and never answers costs the probe
that deadline and no more. A check still hanging from an earlier probe is not started again: it
counts as failed until it returns, so a black hole never piles up threads.
"""

import functools
import logging
import os
import threading
import time
import uuid

from django.conf import settings

logger = logging.getLogger(__name__)

_running = {}  # check name -> the thread still running it
_running_lock = threading.Lock()


class CheckFailed(Exception):
    pass


def _timeout():
    return float(settings.READINESS_TIMEOUT)


def _connect():
    """A short-lived connection of its own: the probe never waits behind a request's connection
    and never leaves one in a thread it abandons."""
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        connect_timeout=max(1, round(_timeout())),
        application_name="hamaynk-probe",
        autocommit=True,
        options=f"-c statement_timeout={int(_timeout() * 1000)}",
    )


def check_database():
    with _connect() as conn:
        conn.execute("SELECT 1").fetchone()


@functools.cache
def _migrations_digest():
    # The migrations on disk do not change under a running process: read them once.
    from provisioning.golden import migrations_digest

    return migrations_digest()


def check_golden_schema():
    """The same test as provisioning.golden.current(): a record whose schema exists and whose
    digest matches this release's tenant migrations."""
    from provisioning.models import GoldenSchema

    digest = _migrations_digest()
    with _connect() as conn:
        row = conn.execute(
            f"SELECT g.migrations_digest, n.nspname IS NOT NULL FROM {GoldenSchema._meta.db_table} g "
            "LEFT JOIN pg_namespace n ON n.nspname = g.name WHERE g.name = %s",
            [settings.GOLDEN_SCHEMA_NAME],
        ).fetchone()
    if row is None or not row[1]:
        raise CheckFailed("the golden schema has not been built: run `hamaynk golden build`")
    if row[0] != digest:
        raise CheckFailed("the golden schema is older than this release's migrations: run `hamaynk golden build`")


def check_cache():
    from django.core.cache import cache

    from hamaynk.tenancy.cache import PLATFORM_WIDE

    key, token = f"{PLATFORM_WIDE}readyz:{os.getpid()}", uuid.uuid4().hex
    cache.set(key, token, 60)
    if cache.get(key) != token:
        raise CheckFailed("the cache did not return what was just written")


def check_broker():
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        if not os.access(folder, os.W_OK):
            raise CheckFailed(f"the queue folder {folder} is not writable")
        return
    from kombu import Connection

    # py-amqp waits connect_timeout for the TCP connection and again for the handshake.
    with Connection(url, connect_timeout=_timeout(), heartbeat=0) as conn:
        conn.connect()


def check_storage():
    from django.core.files.storage import default_storage

    if settings.STORAGE_BACKEND == "filesystem":
        os.makedirs(settings.MEDIA_ROOT, exist_ok=True)  # as the first file saved would
        if not os.access(settings.MEDIA_ROOT, os.W_OK):
            raise CheckFailed(f"the media folder {settings.MEDIA_ROOT} is not writable")
        return
    default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)


CHECKS = {
    "database": check_database,
    "golden_schema": check_golden_schema,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def _start(name, check):
    """A thread running `check`, whose result lands in the returned dict; None if the previous
    run of this check has not returned yet."""
    with _running_lock:
        previous = _running.get(name)
        if previous is not None and previous.is_alive():
            return None
        result = {}

        def run():
            started = time.perf_counter()
            try:
                check()
                result["ok"] = True
            except Exception as exc:  # every failure is the check's answer
                result["ok"] = False
                result["error"] = exc.__class__.__name__
                result["detail"] = str(exc)[:300]
            finally:
                from django.db import connections

                connections.close_all()  # a check that used the ORM leaves no connection behind
                result["seconds"] = round(time.perf_counter() - started, 4)

        thread = threading.Thread(target=run, name=f"readyz-{name}", daemon=True)
        thread.result = result
        _running[name] = thread
        thread.start()
        return thread


def readiness(checks=None):
    """(all passed, {name: {"ok", "seconds", "error"?}}) within READINESS_TIMEOUT."""
    checks = CHECKS if checks is None else checks
    started = time.perf_counter()
    deadline = time.monotonic() + _timeout()
    threads = {name: _start(name, check) for name, check in checks.items()}
    results = {}
    for name, thread in threads.items():
        if thread is None:
            results[name] = {"ok": False, "seconds": 0.0, "error": "StillRunning"}
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            results[name] = {"ok": False, "seconds": round(time.perf_counter() - started, 4), "error": "Timeout"}
        else:
            results[name] = dict(thread.result)
    for name, result in results.items():
        if not result["ok"]:
            logger.warning("readiness check %s failed: %s %s", name, result["error"], result.get("detail", ""))
    return all(r["ok"] for r in results.values()), results
