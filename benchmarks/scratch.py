"""A scratch database for a benchmark: created on the PostgreSQL server the tests would use,
migrated, with its golden schema, and dropped afterwards."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import services  # noqa: E402  (finds the PostgreSQL server the same way the tests do)
from tests.conftest import _admin_connect  # noqa: E402


@contextmanager
def scratch_database(name, keep=False, reuse=False):
    """`reuse`: keep the database of an earlier run (`keep`) and go on with what it holds."""
    server = services.database_server_url()
    admin = _admin_connect(server)
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    if not (reuse and exists):
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    keep = keep or reuse
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "hamaynk.settings",
            "DATABASE_URL": services.with_database(server, name),
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
            "HAMAYNK_VAR_DIR": f"/tmp/{name}-var",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("setup", verbosity=0)
    if reuse and exists:
        call_command("migrate_municipalities", workers=2, verbosity=0)  # a release's migrations since
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def provision_towns(count):
    """Provisions town1 … town<count>, skipping those a kept database already holds."""
    import time

    from django.db import connection

    from hamaynk.tenancy.models import Municipality
    from provisioning.pipeline import provision
    from tests.conftest import make_request

    have = set(Municipality.objects.values_list("slug", flat=True))
    started, made = time.perf_counter(), 0
    for n in range(1, count + 1):
        if f"town{n}" in have:
            continue
        run = provision(make_request(f"town{n}"))
        if run.state != "done":
            sys.exit(f"provisioning town{n} failed: {run.error}")
        made += 1
        # A fresh PostgreSQL backend now and then, as a worker gets (CONN_MAX_AGE): one backend
        # that has created hundreds of schemas gets slower at creating more.
        if made % 20 == 0:
            connection.close()
        if made % 50 == 0:
            print(f"  provisioned {made} ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    return made


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
