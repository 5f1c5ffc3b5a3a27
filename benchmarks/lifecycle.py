"""Template lifecycle benchmark: `hamaynk migrate-all` with many municipalities hosted.

    .venv/bin/python benchmarks/lifecycle.py --reuse                    # 1,500 municipalities
    .venv/bin/python benchmarks/lifecycle.py --municipalities 50 --rounds 2

Two measurements, each the whole command as an operator runs it after a release (a process of
its own: Django's start, the golden schema's check, the survey of every schema, the report):
1. nothing pending: every schema is up to date (target: 1,500 schemas in ≤ 30 s);
2. one additive migration pending everywhere (target: 1,500 schemas in ≤ 3 min): before each
   round, every schema is put back to before `catalogue.0002_decision_record` (an AddField of a
   JSON column with a default): its column dropped and its record deleted, untimed; the round
   then times migrate-all bringing them all forward, and checks every schema has the column and
   the record again. A real release also rebuilds the golden schema first: that is timed once,
   on its own (`hamaynk golden build`), and printed beside.

Each figure is the median of `--rounds` rounds; per schema, the p50 and p90 of the seconds the
report gives each schema. The municipalities live in the website benchmark's scratch database
(`hamaynk_bench_website`, town1 … townN): `--reuse` goes on with it, provisioning what is
missing (half an hour or more for 1,500 on a small machine); it is kept either way.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

from scratch import percentile, provision_towns, scratch_database

DATABASE = "hamaynk_bench_website"
ADDITIVE = ("catalogue", "0002_decision_record")
LINE = re.compile(r"^(ok|FAILED)\s+(\S+)\s+(\S+)\s+([\d.]+) s\s+(.*)$")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--municipalities", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=4, help="migrate-all --workers")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--reuse", action="store_true", help="go on with a kept database")
    args = parser.parse_args()

    with scratch_database(args.database, keep=True, reuse=args.reuse):
        provision_towns(args.municipalities)
        from django.db import connections

        from hamaynk.tenancy.models import Municipality

        schemas = list(
            Municipality.objects.filter(status__in=["active", "suspended"]).values_list("schema_name", flat=True)
        )
        connections.close_all()
        print(f"{len(schemas)} municipalities hosted, migrate-all --workers {args.workers}, {args.rounds} rounds")

        golden = timed([sys.executable, "-m", "hamaynk.cli", "golden", "build"])[0]
        quiet = [run_migrate_all(args) for _ in range(args.rounds)]
        pending = []
        for _ in range(args.rounds):
            put_behind(schemas)
            pending.append(run_migrate_all(args, expect="1 applied"))
            check_forward(schemas)

    report("nothing pending", quiet, 30)
    report("one additive migration", pending, 180)
    print(f"golden schema rebuild (once per release, before migrate-all): {golden:.1f} s")


def timed(command):
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[2:])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def run_migrate_all(args, expect="up to date"):
    seconds, out = timed([sys.executable, "-m", "hamaynk.cli", "migrate-all", "--workers", str(args.workers)])
    lines = [match.groups() for match in map(LINE.match, out.splitlines()) if match]
    wrong = [line for line in lines if line[0] != "ok" or not line[4].startswith(expect)]
    if wrong or not lines:
        sys.exit(f"migrate-all did not report every schema '{expect}': {wrong[:5]}")
    survey = re.search(r"in ([\d.]+) s: (\d+) to migrate", out)
    per_schema = [float(line[3]) for line in lines]
    print(
        f"  {'pending' if expect != 'up to date' else 'quiet'}: {seconds:.1f} s, survey {survey.group(1)} s", flush=True
    )
    return {"seconds": seconds, "survey": float(survey.group(1)), "schemas": len(lines), "per_schema": per_schema}


def put_behind(schemas):
    """Every schema back to before ADDITIVE, a hundred schemas a transaction (untimed)."""
    from django.db import connection, transaction

    for start in range(0, len(schemas), 100):
        with transaction.atomic(), connection.cursor() as cursor:
            for schema in schemas[start : start + 100]:
                cursor.execute(f'ALTER TABLE "{schema}".catalogue_service DROP COLUMN record')
                cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', list(ADDITIVE))
    connection.close()


def check_forward(schemas):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'catalogue_service' AND a.attname = 'record' AND NOT a.attisdropped "
            "AND n.nspname = ANY(%s)",
            [schemas],
        )
        columns = cursor.fetchone()[0]
    connection.close()
    if columns != len(schemas):
        sys.exit(f"after migrate-all only {columns} of {len(schemas)} schemas have the column")


def report(name, rounds, target):
    seconds = statistics.median(r["seconds"] for r in rounds)
    survey = statistics.median(r["survey"] for r in rounds)
    per_schema = [value for r in rounds for value in r["per_schema"]]
    verdict = "meets" if seconds <= target else "MISSES"
    print(
        f"{name}: {rounds[0]['schemas']} schemas in {seconds:.1f} s (median of {len(rounds)}; "
        f"survey {survey:.2f} s), per schema p50 {percentile(per_schema, 0.5) * 1000:.0f} ms "
        f"p90 {percentile(per_schema, 0.9) * 1000:.0f} ms; {verdict} the target of {target} s"
    )


if __name__ == "__main__":
    main()
