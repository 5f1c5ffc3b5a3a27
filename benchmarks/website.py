"""Website benchmark: does a municipality's home page cost the same with 1 and with 1,500 hosted,
and how fast is it from the page cache?

Every municipality has its own schema, so the PostgreSQL catalog, the cache and the set of
schemas a server's database connections visit all grow with the number hosted; the page a
visitor asks for must not. This measures a municipality's home page `/` (in Armenian, the
default) through the production web server (`hamaynk web`: gunicorn, WEB_PROCESSES ×
WEB_THREADS) with 1 municipality hosted and with `--municipalities` hosted, each time with the
page cache off (every request rendered) and on (hamaynk.pagecache, in Redis), and prints the
ratio rps@many / rps@1 (target ≥ 0.95) and whether a cached page reaches ≥ 500 rps with a
median latency ≤ 5 ms.

    .venv/bin/python benchmarks/website.py --municipalities 1500 --keep   # first run: provisions
    .venv/bin/python benchmarks/website.py --municipalities 1500 --reuse  # later runs: minutes
    .venv/bin/python benchmarks/website.py --municipalities 20 --seconds 2 --rounds 3

The load comes from wrk (Debian's `wrk` package: C, one thread, `--connections` keep-alive
connections), which costs the server's machine far less CPU than a Python client; without it
(or with `--client python`) a threaded Python client with keep-alive connections is used, and
the figures then understate the server. Either way the client is named in the output.

Each level has its own scratch database on DATABASE_URL's server (else 127.0.0.1:5432):
`hamaynk_bench_website_1` with one municipality, `hamaynk_bench_website` with many. Provisioning
1,500 takes half an hour or more on a small machine, so `--keep` keeps the databases and
`--reuse` goes on with them, provisioning only what is missing. Before a mode is measured,
`--warm-clients` client connections each ask for the home page of every hosted municipality once
(so the server's database connections have visited every schema, as a busy server's would);
then `--rounds` rounds of `--seconds` each give the median rps and the median p50/p90 latency,
the CPU time per request of the web server's processes and of its PostgreSQL backends (from
/proc when PostgreSQL is local), and the private memory of those backends. The SQL queries of
one home page request (uncached, and a cached one) are counted in-process with the test client.
Every check response must be a 200 carrying the municipality's name; wrk's non-2xx count must
be zero.

The cache is Redis at `--redis` (database 9 by default, emptied before each server starts: give
one nobody else uses). On a small shared machine (2 CPUs) figures move by ±10% from run to run
with what else runs: compare a few runs before reading a 5% change.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from scratch import ROOT, percentile, provision_towns, scratch_database

MANY = "hamaynk_bench_website"
SINGLE = "hamaynk_bench_website_1"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--municipalities", "--hosted", type=int, default=1500, help="hosted at the upper level")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one measured round")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per mode")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive client connections")
    parser.add_argument("--warm-clients", type=int, default=0, help="warm-up connections (default processes × threads)")
    parser.add_argument("--processes", type=int, default=2, help="web server processes (WEB_PROCESSES)")
    parser.add_argument("--threads", type=int, default=4, help="threads per web server process (WEB_THREADS)")
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9", help="the cache (emptied: one nobody uses)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--reuse", action="store_true", help="go on with kept databases, provisioning what is missing")
    parser.add_argument("--prepare", metavar="DATABASE", help=argparse.SUPPRESS)  # the preparing subprocess
    args = parser.parse_args()
    if args.prepare:
        return prepare(args)
    if args.municipalities < 2:
        parser.error("--municipalities must be at least 2")
    args.warm_clients = args.warm_clients or args.processes * args.threads

    print(
        f"{os.cpu_count()} CPUs; web server: {args.processes} processes × {args.threads} threads; load: "
        + (f"wrk, 1 thread, {args.connections} connections" if args.client == "wrk" else "Python threads")
        + f"; {args.rounds} rounds × {args.seconds:g} s per mode; home page in Armenian\n",
        flush=True,
    )
    results = []
    try:
        for database, hosted in ((SINGLE, 1), (MANY, args.municipalities)):
            level = prepare_level(args, database, hosted)
            print(
                f"{hosted} hosted: {level['catalog']['relations']} relations in pg_class, pg_catalog "
                f"{level['catalog']['catalog_mb']:.0f} MB, database {level['catalog']['database_mb']:.0f} MB; "
                f"SQL per home page: {level['queries']['uncached']} uncached, {level['queries']['cached']} cached",
                flush=True,
            )
            for cached in (False, True):
                results.append(run_mode(args, database, level, cached))
    finally:
        if not (args.keep or args.reuse):
            drop(SINGLE, MANY)
    report(args, results)


# Preparing a level (in a subprocess: Django is set up once per process, on one database) -------


def prepare_level(args, database, hosted):
    command = [sys.executable, __file__, "--prepare", database, "--municipalities", str(hosted)]
    command += ["--reuse"] if args.reuse else []
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"preparing {database} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare(args):
    with scratch_database(args.prepare, keep=True, reuse=args.reuse):
        from django.conf import settings

        os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # else WhiteNoise warns

        from hamaynk.tenancy.models import Municipality

        provision_towns(args.municipalities)
        hosted = list(
            Municipality.objects.exclude(schema_name="public")
            .filter(slug__in=[f"town{n}" for n in range(1, args.municipalities + 1)])
            .order_by("slug")
        )
        target = next(m for m in hosted if m.slug == "town1")
        hosts = [(m.primary_host, m.name_hy) for m in hosted]
        print(
            json.dumps(
                {
                    "hosts": hosts,
                    "target": [target.primary_host, target.name_hy],
                    "other": list(random.choice([h for h in hosts if h[0] != target.primary_host] or hosts)),
                    "queries": {"uncached": count_queries(target, False), "cached": count_queries(target, True)},
                    "catalog": catalog(),
                    "url": os.environ["DATABASE_URL"],
                }
            ),
            flush=True,
        )


def count_queries(municipality, cached):
    """SQL queries of one home page request once the caches are warm (in-process test client)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    with override_settings(PAGE_CACHE=cached):
        cache.clear()
        client = Client(HTTP_HOST=municipality.primary_host)
        client.get("/", HTTP_ACCEPT_LANGUAGE="hy")
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/", HTTP_ACCEPT_LANGUAGE="hy")
    if response.status_code != 200:
        sys.exit(f"the test client got {response.status_code} from {municipality.primary_host}/")
    connection.set_schema_to_public()
    return len(captured.captured_queries)


def catalog():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_class), "
            "(SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            " WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'), pg_database_size(current_database())"
        )
        relations, catalog_bytes, database_bytes = cursor.fetchone()
    return {
        "relations": relations,
        "catalog_mb": float(catalog_bytes) / 2**20,
        "database_mb": float(database_bytes) / 2**20,
    }


def drop(*names):
    sys.path.insert(0, str(ROOT))
    from tests import services
    from tests.conftest import _admin_connect

    with _admin_connect(services.database_server_url()) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# One mode: a server, a warm-up, the measured rounds ----------------------------------------------


def run_mode(args, database, level, cached):
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    server, port = start_server(args, level["url"], cached)
    try:
        hosts = level["hosts"]
        warm(args, port, hosts, cached)
        backends = server_backends(level["url"])
        rows = []
        for host, name in [level["target"]] + ([level["other"]] if len(hosts) > 1 else []):
            check(port, host, name, cached)
            processes = [server.pid, *children(server.pid)]
            cpu_before = cpu_seconds(processes), cpu_seconds(backends)
            rounds = [measure(args, port, host, name) for _ in range(args.rounds)]
            requests = sum(r["requests"] for r in rounds)
            cpu_after = cpu_seconds(processes), cpu_seconds(backends)
            rows.append(
                {
                    "hosted": len(hosts),
                    "cached": cached,
                    "slug": host.split(".", 1)[0],
                    "rps": [r["rps"] for r in rounds],
                    "p50": statistics.median(r["p50"] for r in rounds),
                    "p90": statistics.median(r["p90"] for r in rounds),
                    "server_cpu": (cpu_after[0] - cpu_before[0]) / max(requests, 1),
                    "database_cpu": (cpu_after[1] - cpu_before[1]) / max(requests, 1),
                    "backend_mb": backend_memory(backends),
                    "queries": level["queries"]["cached" if cached else "uncached"],
                }
            )
            print(
                f"  {len(hosts)} hosted, {'cached' if cached else 'uncached'}, {rows[-1]['slug']}: "
                f"{statistics.median(rows[-1]['rps']):.0f} rps",
                flush=True,
            )
        return rows
    finally:
        server.terminate()
        server.wait()


def start_server(args, database_url, cached):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="hamaynk.settings",
        DATABASE_URL=database_url,
        CACHE_URL=args.redis,
        PAGE_CACHE="true" if cached else "false",
        DB_CONN_MAX_AGE="600",
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
        HAMAYNK_VAR_DIR="/tmp/hamaynk_bench_website-var",
        PROMETHEUS_MULTIPROC_DIR="",
    )
    os.makedirs(Path(env["HAMAYNK_VAR_DIR"]) / "static", exist_ok=True)  # else WhiteNoise warns
    command = [str(Path(sys.executable).with_name("hamaynk")), "web", "--bind", f"127.0.0.1:{port}"]
    command += ["--processes", str(args.processes), "--threads", str(args.threads)]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            client.request("GET", "/healthz")
            if client.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("the web server did not start")


def warm(args, port, hosts, cached):
    """Every warm-up connection asks for every hosted municipality's home page once."""
    started = time.perf_counter()
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(args.warm_clients)]
    run_clients(clients, lambda client, index: [get(client, *h) for h in hosts[index:] + hosts[:index]])
    for client in clients:
        client.close()
    print(
        f"  warmed up: {len(hosts)} municipalities × {len(clients)} connections in "
        f"{time.perf_counter() - started:.0f} s ({'cached' if cached else 'uncached'})",
        flush=True,
    )


def check(port, host, name, cached):
    """The measured page is the municipality's, and comes from the cache exactly when it should."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(2):
        headers = get(client, host, name)
    client.close()
    if (headers.get("X-Page-Cache") == "hit") != cached:
        sys.exit(f"{host}: X-Page-Cache is {headers.get('X-Page-Cache')!r} with the page cache {cached and 'on'}")


def measure(args, port, host, name):
    if args.client == "wrk":
        return measure_wrk(args, port, host)
    return measure_python(args, port, host, name)


def measure_wrk(args, port, host):
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds:g}s", "--latency", "--timeout", "10s"]
    command += ["-H", f"Host: {host}", "-H", "Accept-Language: hy", f"http://127.0.0.1:{port}/"]
    out = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        sys.exit(f"wrk saw failures:\n{out}")
    latency = {p: _seconds(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency["50"],
        "p90": latency["90"],
        "requests": requests,
    }


def _seconds(value, unit):
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def measure_python(args, port, host, name):
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(args.connections)]
    timings = []
    started = time.perf_counter()
    deadline = started + args.seconds

    def loop(client, _index):
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            get(client, host, name)
            timings.append(time.perf_counter() - t0)  # list.append is atomic under the GIL

    run_clients(clients, loop)
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return {
        "rps": len(timings) / elapsed,
        "p50": percentile(timings, 0.5),
        "p90": percentile(timings, 0.9),
        "requests": len(timings),
    }


def get(client, host, name):
    client.request("GET", "/", headers={"Host": host, "Accept-Language": "hy"})
    response = client.getresponse()
    body = response.read()
    if response.status != 200 or name.encode() not in body:
        missing = f" without the name {name!r}" if response.status == 200 else ""
        raise RuntimeError(f"http://{host}/ answered {response.status}{missing}: {body[:300]!r}")
    return dict(response.getheaders())


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


# What the server and its database spend ------------------------------------------------------------


def server_backends(database_url):
    """The PostgreSQL backends serving the web server: every client connection to its database."""
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


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


def backend_memory(pids):
    """Median private memory (MB) of the backends: what each connection costs beyond shared buffers."""
    sizes = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                fields = dict(line.split(":", 1) for line in rollup.read().splitlines()[1:])
        except OSError:
            continue
        private = sum(int(fields[name].split()[0]) for name in ("Private_Clean", "Private_Dirty"))
        sizes.append(private / 1024)
    return statistics.median(sizes) if sizes else None


def report(args, results):
    rows = [row for mode in results for row in mode]
    print(
        f"\n{'hosted':>6} | {'cache':<8} | {'municipality':<12} | {'rps (median)':>12} | {'p50':>8} {'p90':>8} | "
        f"{'CPU/request: server':>19} {'PostgreSQL':>10} | {'backend MB':>10} | {'SQL':>3}"
    )
    for r in rows:
        memory = f"{r['backend_mb']:>10.1f}" if r["backend_mb"] is not None else f"{'?':>10}"
        print(
            f"{r['hosted']:>6} | {'on' if r['cached'] else 'off':<8} | {r['slug']:<12} | "
            f"{statistics.median(r['rps']):>12.1f} | {r['p50'] * 1000:>5.2f} ms {r['p90'] * 1000:>5.2f} ms | "
            f"{r['server_cpu'] * 1000:>16.2f} ms {r['database_cpu'] * 1000:>7.2f} ms | {memory} | {r['queries']:>3}"
            f"   (rounds: {', '.join(f'{x:.0f}' for x in r['rps'])})"
        )
    first = {(r["hosted"], r["cached"]): r for r in rows if r["slug"] == "town1"}
    many = args.municipalities
    print()
    for cached in (False, True):
        low, high = statistics.median(first[1, cached]["rps"]), statistics.median(first[many, cached]["rps"])
        print(
            f"page cache {'on ' if cached else 'off'}: rps at {many} hosted / rps at 1 hosted = "
            f"{high / low:.3f}  (target ≥ 0.95)"
        )
    hit = first[many, True]
    print(
        f"cached page at {many} hosted: {statistics.median(hit['rps']):.0f} rps (target ≥ 500), "
        f"p50 {hit['p50'] * 1000:.2f} ms (target ≤ 5 ms)"
    )


if __name__ == "__main__":
    main()
