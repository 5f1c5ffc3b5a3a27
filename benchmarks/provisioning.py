"""Provisioning benchmark: how long a new municipality takes with N already hosted.

For each level of hosted municipalities it provisions `--samples` new ones and reports the
median and 90th percentile of the whole pipeline (submit + every step) and of its schema step
(the golden copy), beside the same schema built by replaying every migration.

    .venv/bin/python benchmarks/provisioning.py                  # levels 10 and 500
    .venv/bin/python benchmarks/provisioning.py --levels 10,100 --samples 10

It uses a scratch database `hamaynk_bench` on DATABASE_URL's server (else 127.0.0.1:5432,
else the embedded PostgreSQL) and drops it at the end unless --keep is given.
"""

import argparse
import os
import statistics
import time

from scratch import percentile, scratch_database


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="10,500", help="hosted municipalities to measure at")
    parser.add_argument("--samples", type=int, default=15, help="provisionings measured per level")
    parser.add_argument("--replays", type=int, default=5, help="migration replays measured per level")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--profile", action="store_true", help="after the last level, profile one more provisioning (cProfile, top 25)"
    )
    args = parser.parse_args()
    levels = sorted(int(x) for x in args.levels.split(","))

    with scratch_database("hamaynk_bench", keep=args.keep):
        measure(args, levels)


def measure(args, levels):
    from django.db import connection

    from hamaynk.tenancy.models import Municipality
    from provisioning import golden
    from provisioning.pipeline import provision
    from tests.conftest import make_request

    hosted = 0
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, "
        f"{os.cpu_count()} CPUs; {args.samples} samples per level\n"
    )
    print(
        f"{'hosted':>7} | {'pipeline p50':>12} {'p90':>7} | {'schema step p50':>15} {'p90':>7} | "
        f"{'migration replay p50':>20} {'p90':>7}"
    )
    results = {}
    serial = 0
    for level in levels:
        started = time.perf_counter()
        while hosted < level:
            serial += 1
            provision(make_request(f"fill{serial}"))
            hosted += 1
        fill_seconds = time.perf_counter() - started

        pipeline, schema_step = [], []
        for _ in range(args.samples):
            serial += 1
            t0 = time.perf_counter()
            run = provision(make_request(f"bench{serial}"))
            pipeline.append(time.perf_counter() - t0)
            assert run.state == "done", run.error
            schema_step.append(run.steps.get(name="create_schema").duration_ms / 1000)
            hosted += 1

        replay = []
        for index in range(args.replays):
            scratch = f"replay_{level}_{index}"
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {scratch}")
            golden.migrate_schema(scratch)
            replay.append(time.perf_counter() - t0)
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA {scratch} CASCADE")

        results[level] = statistics.median(pipeline)
        print(
            f"{level:>7} | {statistics.median(pipeline):>10.3f} s {percentile(pipeline, 0.9):>5.3f} s | "
            f"{statistics.median(schema_step):>13.3f} s {percentile(schema_step, 0.9):>5.3f} s | "
            f"{statistics.median(replay):>18.3f} s {percentile(replay, 0.9):>5.3f} s"
            f"   (filled to {level} in {fill_seconds:.0f} s)",
            flush=True,
        )

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        serial += 1
        profiler.runcall(provision, make_request(f"profiled{serial}"))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    if len(levels) > 1:
        low, high = levels[0], levels[-1]
        print(
            f"\npipeline p50 at {high} hosted / at {low} hosted = {results[high] / results[low]:.2f}"
            f"  (target ≤ 1.2; p50 at {high} = {results[high]:.3f} s, target ≤ 1.0 s)"
        )
    print(f"municipalities in the database: {Municipality.objects.exclude(schema_name='public').count()}")


if __name__ == "__main__":
    main()
