"""The platform's processes under the faults an operator meets: a database that goes away under a
worker, `hamaynk run` killed with SIGKILL, a worker killed and restarted, fifty clients at once.

Every process here is real (`python -m hamaynk.cli …`), on the session's database and broker,
with a queue of its own so the session's in-process worker never takes its tasks.
HAMAYNK_FAULT_DB_CUT_SECONDS sets the database cut (3 s by default, 10 s for the full scenario).
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg
import pytest
import requests
from django_tenants.utils import schema_context, tenant_context

from hamaynk import cli
from hamaynk.celery import app
from hamaynk.taskbase import HamaynkTask
from hamaynk.tenancy.models import StatisticsSnapshot
from hamaynk.tenancy.tasks import collect_statistics
from tests import services
from tests.conftest import TEST_DB
from tests.faultproxy import FaultProxy

DB_CUT_SECONDS = float(os.environ.get("HAMAYNK_FAULT_DB_CUT_SECONDS", "3"))


# Helpers ------------------------------------------------------------------------------------


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def queue():
    """A queue of the test's own, deleted afterwards."""
    name = f"{os.environ['CELERY_TASK_DEFAULT_QUEUE']}-{uuid.uuid4().hex[:8]}"
    yield name
    if os.environ["CELERY_BROKER_URL"].startswith("amqp"):
        with contextlib.suppress(Exception), app.connection_for_write() as connection:
            connection.default_channel.queue_delete(name)


@pytest.fixture
def spawn(tmp_path):
    """Starts `hamaynk <args>` with the session's environment and `extra`; output to a file.
    Whatever is still running at the end is killed."""
    started = []

    def start(*args, log_name=None, **extra):
        log = tmp_path / f"{log_name or args[0]}-{len(started)}.log"
        env = {**os.environ, **{key: str(value) for key, value in extra.items()}}
        env.pop("HAMAYNK_COMMAND", None)
        handle = open(log, "wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "hamaynk.cli", *map(str, args)], env=env, stdout=handle, stderr=subprocess.STDOUT
        )
        process.log = log
        started.append((process, handle))
        return process

    yield start
    for process, handle in started:
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(process.pid).children(recursive=True):
                child.kill()
        if process.poll() is None:
            process.kill()
        process.wait()
        handle.close()


def _log(process):
    return process.log.read_text(errors="replace")


def _gone(pids):
    """Pids that still name a living process (a zombie waiting for its reaper counts as gone)."""
    alive = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
    return not alive, alive


def _pg_observer():
    return psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)


def _database_target():
    parts = urlsplit(os.environ["DATABASE_URL"])
    services.require(bool(parts.hostname) and not parts.hostname.startswith("%2F"), "PostgreSQL over TCP")
    return parts.hostname, parts.port or 5432


def _through(url, proxy):
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit((parts.scheme, f"{credentials}{proxy.host}:{proxy.port}", parts.path, parts.query, ""))


# Every task retries a database outage -------------------------------------------------------


def test_every_registered_task_is_a_hamaynk_task_that_retries_database_outages():
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "hamaynk.tenancy.tasks.collect_statistics" in ours and "provisioning.tasks.resume_stalled_runs" in ours
    without = [name for name, task in ours.items() if not isinstance(task, HamaynkTask)]
    assert without == [], f"tasks that would drop their work when the database is away: {without}"
    assert all(task.retries_database_outages for task in ours.values())


def test_a_worker_refuses_to_embed_the_scheduler(capsys, monkeypatch):
    monkeypatch.setenv("HAMAYNK_COMMAND", "pytest")  # the command sets it; put back afterwards
    assert cli.main(["hamaynk", "worker", "--beat"]) == 2
    assert "hamaynk beat" in capsys.readouterr().err


# Database cut under a worker ----------------------------------------------------------------


def test_tasks_of_a_worker_that_loses_its_database_are_retried_and_done(alpha, beta, spawn, queue):
    host, port = _database_target()
    with FaultProxy(host, port) as proxy:
        worker = spawn(
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            DATABASE_URL=_through(os.environ["DATABASE_URL"], proxy),
            CELERY_TASK_DEFAULT_QUEUE=queue,
            DB_CONN_MAX_AGE=300,  # a connection kept across tasks, cut in the middle of its life
            DB_CONNECT_TIMEOUT=2,
            TASK_RETRY_BACKOFF_MAX=1,
            TASK_DATABASE_RETRIES=500,
        )
        municipalities = [alpha, beta]

        def send_all():
            StatisticsSnapshot.objects.filter(municipality__in=municipalities).delete()
            for municipality in municipalities:
                with tenant_context(municipality):
                    collect_statistics.apply_async(queue=queue)

        def all_collected():
            return StatisticsSnapshot.objects.filter(municipality__in=municipalities).count() == len(municipalities)

        send_all()  # the worker is up and reaches the database through the proxy
        try:
            # Generous: a loaded machine takes a while to start a worker (Django, Celery, the app).
            _wait_for(all_collected, 180, "the worker's first tasks")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{_log(worker)[-3000:]}") from None
        assert proxy.connections_accepted >= 1

        proxy.refuse()
        send_all()
        time.sleep(DB_CUT_SECONDS)
        assert StatisticsSnapshot.objects.filter(municipality__in=municipalities).count() == 0
        assert worker.poll() is None
        proxy.pass_through()
        started = time.monotonic()
        _wait_for(all_collected, 30, "the tasks sent during the cut")
        recovered_in = time.monotonic() - started

    for municipality in municipalities:
        with schema_context(municipality.schema_name):
            from tenants.profile.models import Settlement

            settlements = Settlement.objects.count()
        assert StatisticsSnapshot.objects.get(municipality=municipality).values["profile.settlements"] == settlements
    log = _log(worker)
    assert re.search(r"Retry in [\d.]+s: OperationalError", log), log[-3000:]
    assert "MissingMunicipality" not in log  # never run in the public schema for want of the switch
    print(f"database cut {DB_CUT_SECONDS:.0f} s: every task done {recovered_in:.1f} s after it came back")


# `hamaynk run`: its processes, stopped and killed -------------------------------------------


def _start_run(spawn, tmp_path, queue):
    port = _free_port()
    run = spawn(
        "run",
        "--no-demo",
        "--port",
        port,
        HAMAYNK_VAR_DIR=tmp_path / "var",
        CELERY_TASK_DEFAULT_QUEUE=queue,
        WEB_PROCESSES=2,
        WEB_THREADS=2,
    )
    _wait_for(lambda: "Press Ctrl-C" in _log(run) or run.poll() is not None, 120, "`hamaynk run` to start")
    assert run.poll() is None, _log(run)

    def answers():
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"http://127.0.0.1:{port}/console/login/", headers={"Host": "localhost"}, timeout=5)

    page = _wait_for(answers, 60, "the web server")
    assert page.status_code == 200
    css = requests.get(f"http://127.0.0.1:{port}/static/hamaynk/site.css", headers={"Host": "localhost"}, timeout=5)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "Server" not in page.headers or "WSGIServer" not in page.headers["Server"]
    return run, port


def _tree(run):
    """Every process under `run`, by what it is."""
    tree = {}
    for process in psutil.Process(run.pid).children(recursive=True):
        command = " ".join(process.cmdline())
        kind = next((k for k in ("watchdog", " web", " worker", " beat") if k in command), command).strip()
        tree.setdefault(kind, []).append(process.pid)
    return tree


def test_run_starts_web_worker_and_beat_and_stops_them_on_ctrl_c(spawn, tmp_path, queue):
    run, port = _start_run(spawn, tmp_path, queue)
    banner = _log(run)
    expected_mode = "RabbitMQ broker" if os.environ["CELERY_BROKER_URL"].startswith("amqp") else "file-system queue"
    assert f"Background tasks: {expected_mode}" in banner
    assert re.search(r"Processes: web \(pid \d+\), worker \(pid \d+\), beat \(pid \d+\)", banner)
    assert "Quit the server with CONTROL-C" not in banner
    tree = _tree(run)
    assert len(tree["web"]) == 3, tree  # gunicorn's master and its two processes
    assert len(tree["worker"]) == 1 and len(tree["beat"]) == 1 and len(tree["watchdog"]) == 1, tree
    pids = [pid for group in tree.values() for pid in group]

    run.send_signal(signal.SIGINT)  # Ctrl-C
    assert run.wait(timeout=30) == 0
    assert _gone(pids)[0], _gone(pids)[1]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_run_killed_with_sigkill_leaves_no_process_behind(spawn, tmp_path, queue):
    run, port = _start_run(spawn, tmp_path, queue)
    tree = _tree(run)
    pids = [pid for group in tree.values() for pid in group]
    assert len(pids) >= 6, tree  # watchdog, gunicorn master and two processes, worker, beat

    run.kill()
    run.wait()
    killed = time.monotonic()
    _wait_for(lambda: _gone(pids)[0], 15, f"the processes of the killed `run` to end ({tree})")
    print(f"`run` SIGKILLed: its {len(pids)} processes gone in {time.monotonic() - killed:.1f} s")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)


# One beat, whatever happens to the workers --------------------------------------------------


def _succeeded(log, task="provisioning.tasks.resume_stalled_runs"):
    return len(re.findall(rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded", log))


def test_one_beat_and_periodic_tasks_not_doubled_when_the_worker_is_killed_and_restarted(spawn, tmp_path, queue):
    var = tmp_path / "var"
    for folder in ("queue", "queue-processed", "queue-control"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    common = dict(HAMAYNK_VAR_DIR=var, CELERY_TASK_DEFAULT_QUEUE=queue, RESUME_PROVISIONING_EVERY_SECONDS=1)
    beat = spawn("beat", "--loglevel", "INFO", **common)
    worker = spawn("worker", "--pool", "solo", "--loglevel", "INFO", **common)
    _wait_for(lambda: _succeeded(_log(worker)) >= 2, 60, "the first periodic tasks")

    second = spawn("beat", log_name="second-beat", **common)
    assert second.wait(timeout=60) == 1
    assert "already running" in _log(second) and "only one may run per database" in _log(second)

    def rate(process, seconds=5.0):
        before = _succeeded(_log(process))
        time.sleep(seconds)
        return (_succeeded(_log(process)) - before) / seconds

    first_rate = rate(worker)
    worker_tree = [worker.pid] + [p.pid for p in psutil.Process(worker.pid).children(recursive=True)]
    worker.kill()
    worker.wait()
    _wait_for(lambda: _gone(worker_tree)[0], 10, "the killed worker's processes")

    restarted = spawn("worker", "--pool", "solo", "--loglevel", "INFO", log_name="restarted", **common)
    _wait_for(lambda: _succeeded(_log(restarted)) >= 1, 60, "the restarted worker")
    time.sleep(1.5)  # what piled up while no worker ran is done; from here on, the steady rate
    second_rate = rate(restarted)

    schedulers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if "hamaynk.cli" in " ".join(p.info["cmdline"] or []) and "beat" in (p.info["cmdline"] or [])
    ]
    assert [p.pid for p in schedulers] == [beat.pid]
    assert beat.poll() is None
    # One a second from one beat; two schedulers would make it two.
    assert 0.6 <= first_rate <= 1.4, first_rate
    assert 0.6 <= second_rate <= 1.4, second_rate
    print(f"periodic task every 1 s: {first_rate:.1f}/s before the worker was killed, {second_rate:.1f}/s after")


# Fifty clients against the web server -------------------------------------------------------

CLIENTS = 50
APPLICATION = {
    "applicant_name": "Անի Պետրոսյան",
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address_0": "Կենտրոն",
    "address_1": "Բաղրամյան",
    "address_2": "11",
    "address_3": "",
    "purpose": "Բանկ",
}


def test_fifty_clients_submit_online_applications_without_a_server_error_on_a_bounded_pool(alpha, spawn, queue):
    from tenants.cases.models import Case, PendingApplication

    processes, threads = 2, 4
    port = _free_port()
    web = spawn(
        "web",
        "--bind",
        f"127.0.0.1:{port}",
        WEB_PROCESSES=processes,
        WEB_THREADS=threads,
        DB_CONN_MAX_AGE=300,  # as in production: connections kept between requests
        THROTTLE_APPLICATIONS="off",
        THROTTLE_CONFIRMATIONS="off",
        CELERY_TASK_DEFAULT_QUEUE=queue,
    )
    base = f"http://127.0.0.1:{port}"
    host = f"{alpha.primary_host}:{port}"

    def up():
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{base}/apply/residence_certificate/", headers={"Host": host}, timeout=5)

    assert _wait_for(up, 60, "the web server").status_code == 200
    with schema_context(alpha.schema_name):
        cases_before = Case.objects.count()

    peak = {"connections": 0}
    stop = threading.Event()

    def watch_connections():
        with _pg_observer() as admin:
            while not stop.is_set():
                count = admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'hamaynk-web'",
                    [TEST_DB],
                ).fetchone()[0]
                peak["connections"] = max(peak["connections"], count)
                time.sleep(0.05)

    watcher = threading.Thread(target=watch_connections, daemon=True)
    watcher.start()
    run_id = uuid.uuid4().hex[:8]

    def client(number):
        statuses = []
        email = f"load-{run_id}-{number}@example.am"
        with requests.Session() as session:
            session.headers["Host"] = host
            form = session.get(f"{base}/apply/residence_certificate/", timeout=30)
            statuses.append(form.status_code)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
            sent = session.post(
                f"{base}/apply/residence_certificate/",
                data={**APPLICATION, "applicant_email": email, "csrfmiddlewaretoken": token},
                headers={"Referer": f"http://{host}/apply/residence_certificate/"},
                timeout=30,
            )
            statuses.append(sent.status_code)
            with schema_context(alpha.schema_name):
                pending = PendingApplication.objects.get(applicant_email=email)
            confirmed = session.get(f"{base}/apply/confirm/{pending.token}/", timeout=30)
            statuses.append(confirmed.status_code)
            assert email in sent.text and pending.token
        return statuses

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(client, range(CLIENTS)))
    finally:
        stop.set()
        watcher.join(timeout=5)
    elapsed = time.monotonic() - started

    statuses = [status for result in results for status in result]
    assert [s for s in statuses if s >= 500] == []
    assert statuses == [200] * (3 * CLIENTS), sorted(set(statuses))
    with schema_context(alpha.schema_name):
        assert Case.objects.count() == cases_before + CLIENTS
        assert Case.objects.filter(applicant_email__startswith=f"load-{run_id}-").count() == CLIENTS
    assert 1 <= peak["connections"] <= processes * threads, peak
    assert web.poll() is None
    print(
        f"{CLIENTS} clients, {len(statuses)} requests in {elapsed:.1f} s on {processes}×{threads}: "
        f"no 5xx, at most {peak['connections']} database connections"
    )
