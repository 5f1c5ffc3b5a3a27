"""Website benchmark: does a municipality's home page cost the same with 1 and with 500 hosted?

Every municipality has its own schema, so the PostgreSQL catalog, the cache and the set of
schemas a server's database connections visit all grow with the number hosted; the page a
visitor asks for must not. This measures requests per second for a municipality's home page
`/` (in Armenian, the default) through a real HTTP server, first with 1 municipality hosted,
then with `--hosted` (the first one again and a randomly chosen other one), and the ratio
rps@hosted / rps@1 (target ≥ 0.95).

    .venv/bin/python benchmarks/website.py                      # 1 and 500 hosted
    .venv/bin/python benchmarks/website.py --hosted 20 --seconds 2 --clients 2

The server is Django's threaded WSGI server (the one `hamaynk run` uses, HTTP/1.1 keep-alive,
one thread and one database connection per client connection) serving hamaynk.wsgi in a
subprocess of its own, so that the clients do not share its interpreter lock. `--clients`
threads send requests over keep-alive connections with `Host: <slug>.<PLATFORM_DOMAIN>`.
Before a level is measured, every client asks for the home page of every hosted municipality
once (each of the server's connections has then visited every schema, as a busy server's
would), then for the measured one for a second; then `--rounds` rounds of `--seconds` each
give the median rps and the p50/p90 latency over all their requests, and the CPU time per
request of the server process and of its PostgreSQL backends (read from /proc when PostgreSQL
is local), which shows where a difference comes from. Every response must be a 200 carrying
the municipality's name. The SQL queries of one (warm) home page request are counted
in-process with the test client, at both levels.

The two levels are measured minutes apart: on a small shared machine (2 CPUs) their ratio moves
by ±10% from run to run with what else runs, so compare a few runs before reading a 5% change.

It uses a scratch database `hamaynk_bench_website` on DATABASE_URL's server (else
127.0.0.1:5432, else the embedded PostgreSQL) and drops it at the end unless --keep is given.
"""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time

from scratch import percentile, scratch_database

DATABASE = "hamaynk_bench_website"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosted", type=int, default=500, help="municipalities hosted at the upper level")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one measured round")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per level")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive client connections")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the server subprocess
    args = parser.parse_args()
    if args.hosted < 2:
        parser.error("--hosted must be at least 2 (the first municipality and another one)")
    if args.serve:
        return serve()
    with scratch_database(DATABASE, keep=args.keep):
        from django.conf import settings

        os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # else WhiteNoise warns in every process
        server, port = start_server()
        try:
            measure(args, server, port)
        finally:
            server.terminate()
            server.wait()


def serve():
    """Runs in the subprocess (environment inherited from scratch_database): prints its port."""
    import django

    django.setup()
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    from hamaynk.wsgi import application

    httpd = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    httpd.set_app(application)
    print(httpd.server_port, flush=True)
    httpd.serve_forever()


def start_server():
    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
    port = server.stdout.readline().strip()
    if not port.isdigit():
        server.kill()
        sys.exit(f"the WSGI server did not start (it printed {port!r})")
    return server, int(port)


def measure(args, server, port):
    from django.db import connection

    from hamaynk.tenancy.models import Municipality
    from provisioning.pipeline import provision
    from tests.conftest import make_request, provision_ok

    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, {os.cpu_count()} CPUs; "
        f"{args.clients} clients, {args.rounds} rounds × {args.seconds:g} s per level; home page in Armenian\n"
    )
    first = provision_ok("town1")
    results = [load(args, server, port, [first], first)]

    started = time.perf_counter()
    for n in range(2, args.hosted + 1):
        run = provision(make_request(f"town{n}"))
        if run.state != "done":
            sys.exit(f"provisioning town{n} failed: {run.error}")
        # A fresh PostgreSQL backend now and then, as a worker gets (CONN_MAX_AGE): one backend
        # that has created hundreds of schemas gets slower at creating more.
        if n % 20 == 0:
            connection.close()
        if n % 50 == 0 or n == args.hosted:
            print(f"  provisioned {n}/{args.hosted} ({time.perf_counter() - started:.0f} s)", flush=True)
    hosted = list(Municipality.objects.exclude(schema_name="public").order_by("slug"))
    other = random.choice([m for m in hosted if m.pk != first.pk])
    for municipality in (first, other):
        results.append(load(args, server, port, hosted, municipality))

    print(
        f"\n{'hosted':>6} | {'municipality':<12} | {'rps (median)':>12} | {'p50':>8} {'p90':>8} | "
        f"{'CPU per request: server':>23} {'PostgreSQL':>10} | {'SQL queries':>11}"
    )
    for r in results:
        print(
            f"{r['hosted']:>6} | {r['slug']:<12} | {statistics.median(r['rps']):>12.1f} | "
            f"{statistics.median(r['latencies']) * 1000:>5.1f} ms {percentile(r['latencies'], 0.9) * 1000:>5.1f} ms | "
            f"{r['server_cpu'] * 1000:>20.1f} ms {r['database_cpu'] * 1000:>7.1f} ms | {r['queries']:>11}"
            f"   (rounds: {', '.join(f'{x:.0f}' for x in r['rps'])})"
        )
    low, high = statistics.median(results[0]["rps"]), statistics.median(results[1]["rps"])
    print(f"\nrps at {results[1]['hosted']} hosted / rps at 1 hosted = {high / low:.3f}  (target ≥ 0.95)")
    if len({r["queries"] for r in results}) != 1:
        print("ANOMALY: the number of SQL queries per home page differs between levels")


def load(args, server, port, hosted, target):
    """Warm the server up on every hosted municipality, then measure `target`'s home page."""
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(args.clients)]
    run_clients(clients, lambda client, index: [get(client, m) for m in hosted[index:] + hosted[:index]])
    run_clients(clients, repeat(target, time.perf_counter() + 1.0, []))
    checkpoint()
    backends = server_backends()
    cpu_before = cpu_seconds([server.pid]), cpu_seconds(backends)
    rps, latencies = [], []
    for _ in range(args.rounds):
        timings = []
        started = time.perf_counter()
        run_clients(clients, repeat(target, started + args.seconds, timings))
        rps.append(len(timings) / (time.perf_counter() - started))
        latencies += timings
    cpu_after = cpu_seconds([server.pid]), cpu_seconds(backends)
    for client in clients:
        client.close()
    print(f"  {len(hosted)} hosted, {target.slug}: {statistics.median(rps):.1f} rps", flush=True)
    return {
        "hosted": len(hosted),
        "slug": target.slug,
        "rps": rps,
        "latencies": latencies,
        "server_cpu": (cpu_after[0] - cpu_before[0]) / len(latencies),
        "database_cpu": (cpu_after[1] - cpu_before[1]) / len(latencies),
        "queries": count_queries(target),
    }


def checkpoint():
    """Write provisioning's dirty pages out now, so that PostgreSQL's next checkpoint does not fall
    in the measured rounds (it did once, in the upper level's). Skipped without the privilege."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as exc:
        print(f"  (no CHECKPOINT: {exc})")


def server_backends():
    """The PostgreSQL backends serving the WSGI server: every other connection to the scratch database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def cpu_seconds(pids):
    """User + system CPU time of local processes (Linux /proc; 0 for a process it cannot see)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def repeat(municipality, deadline, timings):
    def client_loop(client, _index):
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            get(client, municipality)
            timings.append(time.perf_counter() - t0)  # list.append is atomic under the GIL

    return client_loop


def get(client, municipality):
    client.request("GET", "/", headers={"Host": municipality.primary_host, "Accept-Language": "hy"})
    response = client.getresponse()
    body = response.read()
    if response.status != 200 or municipality.name_hy.encode() not in body:
        missing = f" without the name {municipality.name_hy!r}" if response.status == 200 else ""
        raise RuntimeError(f"http://{municipality.primary_host}/ answered {response.status}{missing}: {body[:300]!r}")


def run_clients(clients, work):
    errors = []

    def guarded(client, index):
        try:
            work(client, index)
        except Exception as exc:  # reported below, after every client has stopped
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(client, index)) for index, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        sys.exit(f"aborted: {errors[0]}")


def count_queries(municipality):
    """SQL queries of one home page request once the caches are warm (in-process test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=municipality.primary_host)
    client.get("/", HTTP_ACCEPT_LANGUAGE="hy")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="hy")
    if response.status_code != 200:
        sys.exit(f"the test client got {response.status_code} from {municipality.primary_host}/")
    connection.set_schema_to_public()
    return len(captured.captured_queries)


if __name__ == "__main__":
    main()
