"""Input guard benchmark: what checking a request costs before any view runs.

    .venv/bin/python benchmarks/inputs.py
    .venv/bin/python benchmarks/inputs.py --repeat 5000

Times hamaynk.inputs.check_request (the whole middleware's work: path, headers, cookies, query,
form fields or JSON body, integer parameters) on requests of the sizes the platform serves: a
page view with a few parameters, an application form of 30 fields, a GovStack JSON body of about
5 KB and one of about 1 MB. Prints the median and p90 in microseconds beside the median of
parsing the same request without the guard (which Django and the views do anyway; the guard's
parsed JSON is reused by the APIs), and their ratio. No database is needed.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamaynk.settings")


def requests():
    from django.test import RequestFactory

    factory = RequestFactory(HTTP_HOST="aparan.localhost", HTTP_ACCEPT_LANGUAGE="hy")
    form = {f"field_{i}": "Արամ Պետրոսյան, Բաղրամյան 11" for i in range(30)}
    record = {
        "psn": "1234567890",
        "last_name": "Պետրոսյան",
        "first_name": "Անի",
        "address": {"settlement": "Կենտրոն", "street": "Բաղրամյան", "building": "11"},
    }
    small = {"write": {"content": {**record, "notes": "Ա" * 4000}}}
    large = {"write": {"content": {"rows": [record] * 5000}}}
    return {
        "page GET, 4 parameters": factory.get(
            "/staff/cases/", {"scope": "all", "due": "overdue", "page": "3", "service": "residence_certificate"}
        ),
        "form POST, 30 fields": factory.post("/apply/residence_certificate/", form),
        "JSON POST, 5 KB": factory.post(
            "/api/dr/data/residents/1/create", json.dumps(small), content_type="application/json"
        ),
        "JSON POST, 1 MB": factory.post(
            "/api/dr/data/residents/1/create", json.dumps(large), content_type="application/json"
        ),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    import django

    django.setup()
    from hamaynk.inputs import check_request

    for name, request in requests().items():
        body = request.body if request.method == "POST" else b""
        repeat = args.repeat if len(body) < 100_000 else max(args.repeat // 100, 10)
        guard, parse = [], []
        for _ in range(repeat):
            # A fresh request each time: Django caches parsed forms and bodies on the request.
            for times, work in ((guard, check_request), (parse, _parse_only)):
                copy = _fresh(request, body)
                start = time.perf_counter()
                work(copy)
                times.append((time.perf_counter() - start) * 1e6)
        checked, parsed = statistics.median(guard), statistics.median(parse)
        print(
            f"{name:<24} guard median {checked:9.1f} µs (p90 {sorted(guard)[int(len(guard) * 0.9)]:9.1f})"
            f"   parsing alone {parsed:9.1f} µs   ratio {checked / parsed:5.2f}   ({repeat} runs, {len(body):,} B)"
        )


def _parse_only(request):
    """What Django and the views do with the same request without the guard."""
    request.GET.lists()
    if request.method == "POST":
        if request.content_type == "application/json":
            json.loads(request.body)
        else:
            request.POST.lists()


def _fresh(request, body):
    from io import BytesIO

    from django.core.handlers.wsgi import WSGIRequest

    environ = dict(request.environ)
    environ["wsgi.input"] = BytesIO(body)
    return WSGIRequest(environ)


if __name__ == "__main__":
    main()
