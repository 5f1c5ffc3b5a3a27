"""The API fuzzer: schemathesis generates requests (valid ones and broken ones) for every operation
of both APIs from the documents a municipality serves (/api/dr/openapi.json and
/api/registration/openapi.json), sends them to the whole application behind a real HTTP server
with a writing key and the mediator header, and fails on any 5xx and on any answer the document
does not describe (its status code or its body).

Bounded for CI (2 cores, a couple of minutes): a few examples per operation, derandomized so a
run is repeatable, and no shrinking phase."""

import pytest
import requests
import schemathesis
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tenants.registers import apikeys
from tests.conftest import provision_ok

pytestmark = pytest.mark.apifuzz

CLIENT = "eGovStack/GOV/90000009/fuzzer"
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = 6  # per operation and generation mode (valid, broken): about 1,300 requests in all
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class Target:
    """A municipality of its own behind the live server: its host, a writing key, and the
    documents of both APIs as it serves them."""

    def __init__(self, base, port):
        self.municipality = provision_ok()
        self.host = f"{self.municipality.primary_host}:{port}"
        with schema_context(self.municipality.schema_name):
            self.key = apikeys.issue_key("fuzzer", can_write=True)[1]
        self.origin = f"http://127.0.0.1:{port}"
        self.headers = {"Host": self.host, "Authorization": f"Bearer {self.key}", "Information-Mediator-Client": CLIENT}
        self.session = requests.Session()

    def schema(self, prefix):
        response = self.session.get(f"{self.origin}{prefix}/openapi.json", headers=self.headers, timeout=30)
        assert response.status_code == 200, response.text
        document = response.json()
        assert document["servers"] == [{"url": f"http://{self.host}{prefix}"}]
        return schemathesis.openapi.from_dict(document)

    def call(self, case, prefix):
        case.call_and_validate(
            base_url=f"{self.origin}{prefix}", session=self.session, headers=self.headers, checks=CHECKS, timeout=30
        )


@pytest.fixture(scope="module")
def target(live_server):
    """The key's rate limit is lifted: the fuzzer sends more in a minute than a key may (the 429
    it would get is in both documents, and the throttle has tests of its own)."""
    from django.conf import settings as django_settings
    from django.test import override_settings

    base, port = live_server
    override = override_settings(THROTTLE_RATES={**django_settings.THROTTLE_RATES, "api_key": "off"})
    override.enable()
    yield Target(base, port)
    override.disable()


@pytest.fixture(scope="module")
def registers_schema(target):
    return target.schema("/api/dr")


@pytest.fixture(scope="module")
def registration_schema(target):
    return target.schema("/api/registration")


def fuzz(target, schema, prefix):
    """Every operation of `schema`, with valid and with broken requests; the failures of all
    operations are reported together, each with the request that showed it."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                target.call(case, prefix)

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - every failure is reported below, with its operation
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:2000]}")
    return failures


def test_registers_api_every_operation(target, registers_schema):
    failures = fuzz(target, registers_schema, "/api/dr")
    assert not failures, "\n\n".join(failures)


def test_registration_api_every_operation(target, registration_schema):
    failures = fuzz(target, registration_schema, "/api/registration")
    assert not failures, "\n\n".join(failures)


def test_the_fuzzer_covers_every_route_of_both_apis(target, registers_schema, registration_schema):
    """Nothing escapes the fuzzing: every route of the Registration API is an operation of its
    document, and every register has its nine operations in the registers' document."""
    import re

    from tenants.cases.api import urls as registration_urls
    from tenants.registers.models import Register

    def shape(path):
        return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path.strip("/"))

    routes = {shape(str(p.pattern)) for p in registration_urls.urlpatterns if getattr(p, "name", None)}
    documented = {shape(result.ok().path) for result in registration_schema.get_all_operations()}
    assert routes - {"openapi.json"} == documented

    with schema_context(target.municipality.schema_name):
        codes = list(Register.objects.values_list("code", flat=True))
    operations = [result.ok() for result in registers_schema.get_all_operations()]
    for code in codes:
        assert len([op for op in operations if op.path.startswith(f"/data/{code}/")]) == 9, code
    assert len(operations) == 9 * len(codes) + 5
