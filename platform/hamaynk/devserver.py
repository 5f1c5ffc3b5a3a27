"""`hamaynk run`: the whole platform on one machine, with nothing to install but Python.

Without DATABASE_URL it starts an embedded PostgreSQL (pgserver) under var/; without
CELERY_BROKER_URL the worker reads a file-system queue under var/. On first start it provisions
the demo municipalities, then starts the platform's processes (hamaynk.processes.PROCESSES: the
gunicorn web server, a worker and the one beat) until Ctrl-C or SIGTERM, and leaves none behind
even when it is killed itself.
"""

import argparse
import os
import sys
import warnings

from hamaynk.paths import demo_municipalities_csv, var_dir
from hamaynk.processes import PROCESSES, Supervisor

DEMO_PASSWORD = "hamaynk-demo"
MINISTRY_USER = "ministry"
# The demo logins' authenticator key (base32), printed with them: add it to any TOTP app (or run
# `oathtool --totp -b <key>`) to give the second factor the console and the administrators need.
DEMO_TOTP_KEY = "HAMAYNKDEMOKEYFORTHELAPTOPONLY23"


NO_EMBEDDED_DATABASE = """\
DATABASE_URL is not set and this Python has no embedded PostgreSQL: pgserver, which `run` starts
when no database is given, has builds for Python 3.11 and 3.12 on Linux x86-64 and macOS only
(this is Python {version} on {machine}). Either point Hamaynk at a PostgreSQL server (14 or newer):

    DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/hamaynk hamaynk run

or run it with Python 3.11 or 3.12 on one of those systems, e.g. `python3.11 bootstrap.py run`."""


class NoEmbeddedDatabase(SystemExit):
    pass


def _embedded_database(folder):
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")  # pgserver's socket folder note
    try:
        import pgserver
    except ImportError:
        import platform

        raise NoEmbeddedDatabase(
            NO_EMBEDDED_DATABASE.format(version=platform.python_version(), machine=platform.machine())
        ) from None

    print("Starting the embedded PostgreSQL (DATABASE_URL is not set)...", flush=True)
    data = folder / "pgdata"
    data.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data), cleanup_mode="stop")
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'hamaynk';")
    if "(1 row)" not in exists:
        server.psql("CREATE DATABASE hamaynk;")
    socket_dir = str(data).replace("/", "%2F")
    return server, f"postgres://postgres@{socket_dir}/hamaynk"


def _prepare_environment(args):
    repo_var = var_dir()
    os.environ["HAMAYNK_VAR_DIR"] = str(repo_var)
    repo_var.mkdir(parents=True, exist_ok=True)
    server = None
    if not os.environ.get("DATABASE_URL"):
        server, url = _embedded_database(repo_var)
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("PLATFORM_PORT", str(args.port))
    os.environ.setdefault("CACHE_URL", f"filecache://{repo_var / 'cache'}")
    os.environ.setdefault("EMAIL_URL", "outbox://")  # emails are read on the outbox pages (hamaynk.mail_outbox)
    for folder in ("queue", "queue-processed", "media", "static"):
        (repo_var / folder).mkdir(exist_ok=True)
    return server


def _first_start(stdout, demo=True):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from hamaynk.tenancy.models import Municipality
    from tenants.budget.demo import seed as seed_budget
    from tenants.cases.demo import seed as seed_cases
    from tenants.profile.models import Settlement
    from tenants.registers.demo import seed as seed_registers

    call_command("setup", verbosity=1, stdout=stdout)
    User = get_user_model()
    if not User.objects.filter(username=MINISTRY_USER).exists():
        User.objects.create_user(MINISTRY_USER, password=DEMO_PASSWORD, is_staff=True, is_superuser=True)

    import csv

    from provisioning.management.commands.provision import request_from_row
    from provisioning.pipeline import AlreadyProvisioned, provision

    if not demo:
        return []
    with open(demo_municipalities_csv(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, 1):
        if Municipality.objects.filter(slug=row["slug"], status=Municipality.Status.ACTIVE).exists():
            continue
        print(f"Provisioning demo municipality {number} of {len(rows)}: {row['name_en']}...", file=stdout, flush=True)
        request = request_from_row(row)
        request.admin_password = DEMO_PASSWORD
        try:
            run = provision(request)
        except AlreadyProvisioned:
            continue
        print(f"  provisioned {row['slug']}: {run.state} in {run.duration or 0:.2f} s", file=stdout, flush=True)
    for number, row in enumerate(rows, 1):
        municipality = Municipality.objects.get(slug=row["slug"])
        print(f"Demo data {number} of {len(rows)}: {row['name_en']}...", file=stdout, flush=True)
        with tenant_context(municipality):
            settlements = list(Settlement.objects.values_list("name_hy", flat=True))
            if seed_registers(settlements, residents=400, seed_value=sum(map(ord, row["slug"]))):
                print(f"  filled {row['slug']}'s registers with demo records", file=stdout, flush=True)
            if seed_cases(seed_value=sum(map(ord, row["slug"]))):
                print(f"  registered demo applications in {row['slug']}", file=stdout, flush=True)
            if seed_budget(seed_value=sum(map(ord, row["slug"]))):
                print(f"  published {row['slug']}'s demo budget", file=stdout, flush=True)
            _demo_device(User.objects.get(username=row["admin_email"].lower()))
    _demo_device(User.objects.get(username=MINISTRY_USER))
    return rows


def _demo_device(user):
    """The demo login's authenticator, with the key printed beside the logins."""
    from base64 import b32decode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.get_or_create(
        user=user, name="demo", defaults={"key": b32decode(DEMO_TOTP_KEY).hex(), "confirmed": True}
    )


def run(argv):
    parser = argparse.ArgumentParser(prog="hamaynk run", description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--no-worker", action="store_true", help="start the web server only")
    parser.add_argument("--no-demo", action="store_true", help="do not provision the demo municipalities")
    args = parser.parse_args(argv)

    server = _prepare_environment(args)
    import django

    django.setup()
    from django.conf import settings

    from hamaynk.celery import broker_mode

    rows = _first_start(sys.stdout, demo=not args.no_demo)

    os.environ["WEB_BIND"] = f"{args.bind}:{args.port}"
    processes = [p for p in PROCESSES if not (args.no_worker and p.background)]
    supervisor = Supervisor(processes).start()

    port = f":{args.port}"
    mode = broker_mode()
    print(
        f"""
Hamaynk is running.
  Ministry console:  http://{settings.PLATFORM_DOMAIN}{port}/console/   user "{MINISTRY_USER}", password "{DEMO_PASSWORD}"
"""
        + "\n".join(
            f"  {row['name_en']:<18} http://{row['slug']}.{settings.PLATFORM_DOMAIN}{port}/   "
            f"staff: http://{row['slug']}.{settings.PLATFORM_DOMAIN}{port}/staff/ (website: /cms/)  "
            f'user "{row["admin_email"]}", password "{DEMO_PASSWORD}"'
            for row in rows
        )
        + f"""
  Second step of every login above: the code of an authenticator app (TOTP) set up with the key
  {DEMO_TOTP_KEY}, e.g. `oathtool --totp -b {DEMO_TOTP_KEY}`
  Emails: {_email_line(settings.PLATFORM_DOMAIN + port)}
  Database: {"embedded PostgreSQL under " + os.environ["HAMAYNK_VAR_DIR"] if server else "DATABASE_URL"}
  Background tasks: {_queue_line(mode)}
  Processes: {", ".join(f"{p.name} (pid {supervisor.children[p.name].pid})" for p in processes)}
Press Ctrl-C to stop.
""",
        flush=True,
    )
    ended = supervisor.wait()
    if ended:
        code = supervisor.children[ended].returncode
        print(f"The {ended} process stopped (exit status {code}); stopping the others.", flush=True)
    else:
        print("Stopping...", flush=True)
    supervisor.stop()
    return 1 if ended else 0


def _email_line(host):
    from hamaynk import mail_outbox

    if mail_outbox.enabled():
        return (
            f"not sent, kept in the outbox: http://{host}/console/outbox/ (all of them), "
            "and a municipality's own under its /staff/outbox/"
        )
    return "sent through EMAIL_URL"


def _queue_line(mode):
    if mode == "filesystem":
        return f"file-system queue under {os.environ['HAMAYNK_VAR_DIR']} (no broker needed)"
    if mode == "rabbitmq":
        return "RabbitMQ broker (CELERY_BROKER_URL)"
    return f"{mode} (CELERY_BROKER_URL)"
