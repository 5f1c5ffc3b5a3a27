"""Registers benchmark: CSV import speed and search latency on a large residents register.

    .venv/bin/python benchmarks/registers.py                 # 100,000 residents
    .venv/bin/python benchmarks/registers.py --rows 20000 --searches 30

Import: the whole path a secretary's upload takes (CSV parsing, every field checked, the
uniqueness checks, records, unique values and history written in one transaction), as rows
per second. Search: the staff list page's query (full-text prefix search, optionally with a
field filter, newest first, first page of 50 plus the total count), p50 and p90 over
`--searches` queries of real surnames, names and identifiers.
"""

import argparse
import random
import statistics
import time

from scratch import percentile, scratch_database


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=60)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    with scratch_database("hamaynk_bench_registers", keep=args.keep):
        measure(args)


def measure(args):
    from django.db import connection
    from django.http import QueryDict
    from django_tenants.utils import tenant_context

    from tenants.registers import demo, imports
    from tenants.registers.models import Record, Register
    from tenants.registers.views import filtered
    from tests.conftest import provision_ok

    municipality = provision_ok("benchtown")
    settlements = ["Կենտրոն", "Արագած", "Քասախ", "Շենավան", "Ծաղկաշեն"]
    rows = demo.resident_rows(args.rows, settlements, seed=7)
    text = "\n".join(",".join(f'"{cell}"' for cell in row) for row in rows).encode()

    with tenant_context(municipality):
        register = Register.objects.get(code="residents")
        started = time.perf_counter()
        report = imports.run(register, imports.read_csv(text))
        seconds = time.perf_counter() - started
        print(
            f"import: {report.created:,} residents in {seconds:.1f} s = {report.created / seconds:,.0f} rows/s "
            f"(target ≥ 5,000)"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registers_record")

        rng = random.Random(3)
        queries = []
        for _ in range(args.searches):
            kind = rng.random()
            if kind < 0.4:
                queries.append({"q": rng.choice(demo.SURNAMES)[:5]})
            elif kind < 0.7:
                queries.append({"q": f"{rng.choice(demo.SURNAMES)} {rng.choice(demo.FEMALE + demo.MALE)}"})
            elif kind < 0.85:
                queries.append({"q": str(1_000_000_000 + rng.randrange(args.rows))})
            else:
                queries.append({"q": rng.choice(demo.SURNAMES)[:4], "f_status": "moved_out"})
        timings = []
        for params in queries:
            query = QueryDict(mutable=True)
            query.update(params)
            t0 = time.perf_counter()
            matches = filtered(register, query).order_by("-updated_at", "-id")
            total = matches.count()
            page = list(matches[:50])
            timings.append(time.perf_counter() - t0)
            assert total >= len(page)
        print(
            f"search over {args.rows:,} records: p50 {statistics.median(timings) * 1000:.1f} ms, "
            f"p90 {percentile(timings, 0.9) * 1000:.1f} ms over {len(timings)} queries (target p50 ≤ 50 ms)"
        )

        # The trade-off of one JSONB document per record: exact matches use the GIN index,
        # ranges over a field read every record of the register.
        def timed(queryset, runs=15):
            samples = []
            for _ in range(runs):
                t0 = time.perf_counter()
                queryset.count()
                samples.append(time.perf_counter() - t0)
            return statistics.median(samples) * 1000

        records = Record.objects.filter(register=register)
        exact = timed(records.filter(data__contains={"last_name": "Հակոբյան", "status": "moved_out"}))
        by_id = timed(records.filter(data__contains={"psn": "1000050000"}))
        ranged = timed(records.filter(data__birth_date__gte="1990-01-01", data__birth_date__lt="1991-01-01"))
        print(
            f"field filters: exact match (GIN) p50 {exact:.1f} ms, identifier {by_id:.1f} ms, "
            f"date range (no index) p50 {ranged:.1f} ms"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size('registers_record'), pg_relation_size('registers_record'), "
                "pg_total_relation_size('registers_recordchange'), "
                "pg_total_relation_size('registers_uniquevalue')"
            )
            total, heap, history, unique = cursor.fetchone()
        print(
            f"size: records {total / 2**20:.0f} MiB ({heap / 2**20:.0f} MiB table, "
            f"{(total - heap) / 2**20:.0f} MiB indexes), history {history / 2**20:.0f} MiB, "
            f"unique values {unique / 2**20:.0f} MiB — {total / args.rows:.0f} bytes per record"
        )


if __name__ == "__main__":
    main()
