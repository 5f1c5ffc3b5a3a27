"""Migrates every municipality's schema in parallel and reports each schema's result.

A failing schema does not stop the others: each runs in its own thread and connection, and
the report lists every schema with its outcome, time and error.
"""

import io
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connections

from hamaynk.tenancy.models import Municipality

from .golden import migrate_schema


@dataclass
class SchemaResult:
    slug: str
    schema: str
    ok: bool
    seconds: float
    error: str = ""


def migrate_one(slug, schema, verbosity=0):
    started = time.perf_counter()
    try:
        migrate_schema(schema, verbosity=verbosity, label="parallel", stdout=io.StringIO())
        return SchemaResult(slug, schema, True, time.perf_counter() - started)
    except Exception as exc:  # reported per schema; the other schemas carry on
        return SchemaResult(slug, schema, False, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    finally:
        connections.close_all()


def migrate_all(workers=4, statuses=None, on_result=None):
    statuses = statuses or [Municipality.Status.ACTIVE, Municipality.Status.SUSPENDED]
    targets = list(Municipality.objects.filter(status__in=statuses).order_by("slug").values_list("slug", "schema_name"))
    connections.close_all()
    results = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for result in pool.map(lambda t: migrate_one(*t), targets):
            results.append(result)
            if on_result:
                on_result(result)
    return results
