"""Citizen Service Office benchmark.

    .venv/bin/python benchmarks/cases.py                     # 50 municipalities, 100,000-case inbox
    .venv/bin/python benchmarks/cases.py --municipalities 10 --inbox-cases 20000

Submissions: online applications (form checked, number taken under the year's counter lock,
case and history written, the applicant's notification queued), spread round-robin over
`--municipalities`, by `--threads` concurrent clients; reported as submissions per second.
Inbox: the back office's inbox query (open cases, by due date, first page of 50 and the
count) in one municipality holding `--inbox-cases` cases; p50 and p90.
"""

import argparse
import datetime
import os
import random
import statistics
import threading
import time

from scratch import percentile, scratch_database

FORM = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": "Կենտրոն, Բաղրամյան, 11, 4",
    "purpose": "Բանկ",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--municipalities", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--inbox-cases", type=int, default=100_000)
    parser.add_argument("--inbox-queries", type=int, default=40)
    args = parser.parse_args()
    os.environ["CELERY_BROKER_URL"] = "memory://"  # the queue's cost without a broker to install
    with scratch_database("hamaynk_bench_cases"):
        measure(args)


def measure(args):
    from django.db import connections
    from django_tenants.utils import tenant_context

    from tenants.cases import workflow
    from tenants.catalogue.models import Service
    from tests.conftest import provision_ok

    municipalities = [provision_ok(f"city{n}") for n in range(args.municipalities)]
    lock = threading.Lock()
    done = []

    def client(offset):
        for n in range(offset, args.submissions, args.threads):
            municipality = municipalities[n % len(municipalities)]
            with tenant_context(municipality):
                service = Service.objects.get(code="residence_certificate")
                workflow.submit(
                    service,
                    FORM,
                    channel="online",
                    applicant={"name": "Անի Պետրոսյան", "email": "ani@example.am", "language": "hy"},
                )
            with lock:
                done.append(1)
        connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(t,)) for t in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    print(
        f"submissions: {len(done)} over {len(municipalities)} municipalities with {args.threads} clients "
        f"in {seconds:.1f} s = {len(done) / seconds:.0f}/s (target ≥ 50/s)"
    )

    inbox(municipalities[0], args)


def inbox(municipality, args):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from tenants.cases.models import Case
    from tenants.catalogue.models import Service

    rng = random.Random(5)
    with tenant_context(municipality):
        services = list(Service.objects.all())
        staff = [get_user_model().objects.create_user(f"clerk{n}@bench.test") for n in range(20)]
        today = timezone.localdate()
        now = timezone.now()
        year_base = 10_000_000
        rows = []
        for n in range(args.inbox_cases):
            service = rng.choice(services)
            closed = rng.random() < 0.8
            rows.append(
                Case(
                    service=service,
                    year=2000 + n // year_base,
                    number=year_base + n,
                    tracking_code=f"B{n:013d}",
                    channel=rng.choice(["online", "window"]),
                    applicant_name="Բենչմարկ",
                    data={},
                    state=service.workflow["initial"],
                    assigned_to=rng.choice(staff),
                    submitted_at=now,
                    due_date=today + datetime.timedelta(days=rng.randint(-30, 30)),
                    closed_at=now if closed else None,
                )
            )
        started = time.perf_counter()
        Case.objects.bulk_create(rows, batch_size=5000)
        print(f"inbox data: {args.inbox_cases:,} cases written in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")

        timings = []
        for n in range(args.inbox_queries):
            person = staff[n % len(staff)]
            t0 = time.perf_counter()
            cases = Case.objects.filter(closed_at__isnull=True).select_related("service", "assigned_to")
            if n % 2:
                cases = cases.filter(assigned_to=person)
            cases = cases.order_by("due_date", "id")
            total = cases.count()
            page = list(cases[:50])
            timings.append(time.perf_counter() - t0)
            assert len(page) <= total
        print(
            f"inbox over {args.inbox_cases:,} cases: p50 {statistics.median(timings) * 1000:.1f} ms, "
            f"p90 {percentile(timings, 0.9) * 1000:.1f} ms (target p50 ≤ 100 ms)"
        )


if __name__ == "__main__":
    main()
