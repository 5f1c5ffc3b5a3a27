"""Bad input gets a clear answer and changes nothing: each class of input that once reached the
database as a server error (NUL, deep JSON, numbers beyond 64 bits, text longer than its column,
impossible time offsets, CSV cells that are too large or oddly terminated) is refused in the one
shared place, on pages and in both APIs alike."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from hamaynk import csvinput, inputs
from hamaynk.errors import FieldErrors
from tenants.registers import apikeys
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in
from tests.test_cases_api import RESIDENCE

MEDIATOR = {"Information-Mediator-Client": "eGovStack/GOV/90000009/test"}


@pytest.fixture(scope="module")
def town():
    return provision_ok()


@pytest.fixture(scope="module")
def key(town):
    with schema_context(town.schema_name):
        return apikeys.issue_key("inputs", can_write=True)[1]


@pytest.fixture
def api(town, key, client_for):
    client = client_for(town.primary_host)
    headers = {"Authorization": key, **MEDIATOR, "Accept-Language": "en"}

    def call(method, path, body=None, **params):
        if method == "get":
            return client.get(path, params, headers=headers)
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(client, method)(path, data, content_type="application/json", headers=headers)

    return call


def counts(town):
    from tenants.cases.models import Case
    from tenants.registers.models import Record

    with schema_context(town.schema_name):
        return Case.objects.count(), Record.objects.count()


# NUL -------------------------------------------------------------------------------------------

NUL_GETS = [
    "/track/?code=AB%00CD",
    "/verify/?code=%00",
    "/apply/confirm/abc%00def/",
    "/services/residence%00_certificate/",
    "/registers/residents/?q=%00",
    "/open-data/decisions.csv?x=%00",
    "/media/municipalities/00000000-0000-0000-0000-000000000000/a%00.png",
    "/staff/cases/?service=%00",
    "/staff/cases/kpis/?service=a%00",
    "/staff/cases/kpis.csv?service=%00",
    "/staff/registers/residents/?q=%00",
    "/staff/registers/residents/export.csv?q=%00",
    "/api/dr/data/residents/1?search=%00",
    "/api/dr/data/residents/1/exists?x=%00",
    "/api/dr/data/myPersonalDataUsage?databaseId=residents&personalId=%00",
    "/api/dr/database/res%00idents",
    "/api/registration/services?name=%00",
    "/api/registration/applications?applicantId=%00",
    "/%00",
    "/news/%00/",
]


@pytest.mark.parametrize("path", NUL_GETS)
def test_a_nul_anywhere_in_the_address_is_400_with_a_message(town, key, client_for, path):
    client = client_for(town.primary_host)
    response = client.get(path, headers={"Authorization": key, **MEDIATOR, "Accept-Language": "en"})
    assert response.status_code == 400, (path, response.status_code)
    text = response.content.decode()
    assert "not allowed" in text
    if path.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json")
        assert "NUL" in response.json()["detail"]


def test_the_message_is_in_the_visitors_language(town, client_for):
    client = client_for(town.primary_host)
    armenian = client.get("/track/?code=%00").content.decode()
    assert '<html lang="hy">' in armenian and "Հարցումը չի կարող ընդունվել" in armenian
    russian = client.get("/track/?code=%00", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Запрос не может быть принят" in russian


def test_nul_in_forms_json_headers_and_file_names_changes_nothing(town, api, client_for):
    before = counts(town)
    client = client_for(town.primary_host)
    assert client.post("/apply/residence_certificate/", {"applicant_name": "Ա\x00Բ"}).status_code == 400
    assert client.post("/staff/login/", {"username": "x\x00", "password": "y"}).status_code == 400
    created = api("post", "/api/dr/data/residents/1/create", {"write": {"content": {"first_name": "A\u0000"}}})
    assert created.status_code == 400 and "NUL" in created.json()["detail"]
    key_with_nul = api("post", "/api/dr/data/residents/1/create", {"write": {"content": {"a\u0000": 1}}})
    assert key_with_nul.status_code == 400
    surrogate = api(
        "post", "/api/registration/services/residence_certificate/applications", '{"applicationName": "\\ud800"}'
    )
    assert surrogate.status_code == 400
    header = client.get("/api/dr/databases", headers={"Information-Mediator-Client": "a\x00b"})
    assert header.status_code == 400
    assert counts(town) == before


def test_every_url_of_a_municipality_refuses_a_nul_in_its_path(town, client_for):
    """Walks the municipal URL conf, so a new view cannot be reached with a NUL either."""
    client = client_for(town.primary_host)
    checked = 0
    for route in _routes(get_resolver("hamaynk.urls_municipal").url_patterns):
        path = "/" + route.replace("^", "").replace("$", "").split("<")[0].split("(")[0]
        response = client.get(path + "x%00y/", {"q": "\x00"})
        assert response.status_code == 400, (path, response.status_code)
        checked += 1
    assert checked > 50


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


# JSON depth, numbers, sizes --------------------------------------------------------------------


def test_json_nested_thousands_deep_is_400_not_a_recursion_error(town, api):
    deep = "[" * 50_000 + "]" * 50_000
    response = api("post", "/api/dr/data/residents/1/create", deep)
    assert response.status_code == 400 and "nested" in response.json()["detail"]
    body = {"write": {"content": {"first_name": json.loads("[" * 40 + "]" * 40)}}}
    assert api("post", "/api/dr/data/residents/1/create", body).status_code == 400
    assert inputs.json_depth(json.loads('{"a": "[[[[", "b": [[1]]}')) == 3


@pytest.mark.parametrize("number", ["99999999999999999999", "-99999999999999999999", "1e999", "NaN", "Infinity"])
def test_numbers_beyond_64_bits_or_not_finite_are_400(town, api, number):
    body = f'{{"query": {{"content": {{"psn": {number}}}}}}}'
    response = api("post", "/api/dr/data/residents/1/exists", body)
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    "path,params",
    [
        ("/api/registration/applications", {"firstResult": "99999999999999999999"}),
        ("/api/registration/tasks", {"maxResult": "99999999999999999999"}),
        ("/api/dr/data/residents/1", {"page": "99999999999999999999"}),
    ],
)
def test_page_numbers_and_offsets_beyond_64_bits_are_400_in_the_apis(api, path, params):
    response = api("get", path, **params)
    assert response.status_code == 400 and "whole number" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/staff/cases/?page=99999999999999999999",
        "/staff/cases/kpis/?year=99999999999",
        "/staff/workcalendar/?year=99999999999",
        "/registers/residents/?page=99999999999999999999999",
    ],
)
def test_page_numbers_and_years_beyond_range_on_pages_are_400(town, client_for, path):
    client = signed_in(client_for, town, "inputs-admin@test", "administrator")
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "whole number" in response.content.decode()


def test_a_body_larger_than_the_limit_is_413_before_it_is_read(town, api, settings):
    settings.INPUT_MAX_REQUEST_BYTES = 1000
    response = api("post", "/api/dr/data/residents/1/create", {"write": {"content": {"x": "a" * 2000}}})
    assert response.status_code == 413


# Lengths from the model ------------------------------------------------------------------------


def test_text_longer_than_its_column_is_a_field_error_not_a_server_error(town, api):
    from tenants.cases.models import Case

    before = counts(town)
    body = {
        "applicantId": "p-1",
        "applicationName": "Ա" * 300,
        "created": "2026-03-01T08:00:00Z",
        "formData": {"eFormId": "residence_certificate", "data": RESIDENCE},
        "applicant": {"email": "", "phone": "1" * 200, "language": "hy"},
    }
    response = api("post", "/api/registration/services/residence_certificate/applications", body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "300" in " ".join(errors["applicationName"])
    assert any("200" in message for key, messages in errors.items() if "phone" in key.lower() for message in messages)
    assert counts(town) == before
    with schema_context(town.schema_name):
        assert "applicant_phone" in inputs.length_errors(Case, applicant_phone="1" * 31)
        assert inputs.length_errors(Case, applicant_phone="1" * 30) == {}


def test_every_model_refuses_over_long_or_nul_text_on_save(town):
    from tenants.profile.models import Department

    with schema_context(town.schema_name):
        with pytest.raises(FieldErrors) as caught:
            Department(code="x" * 500, name_hy="Բաժին").save()
        assert "code" in caught.value.errors
        with pytest.raises(FieldErrors):
            Department(code="nul", name_hy="Բա\x00ժին").save()
        assert not Department.objects.filter(code__in=["x" * 50, "nul"]).exists()


def test_an_impossible_time_offset_is_400(town, api):
    body = {
        "applicantId": "p-1",
        "applicationName": "Անի Պետրոսյան",
        "created": "2026-03-01T08:00:00+99:00",
        "formData": {"eFormId": "residence_certificate", "data": {}},
        "applicant": {"email": "", "phone": "", "language": "hy"},
    }
    response = api("post", "/api/registration/services/residence_certificate/applications", body)
    assert response.status_code == 400
    assert inputs.parse_datetime("2026-03-01T08:00:00+99:00") is None
    assert inputs.parse_datetime("2026-03-01T08:00:00+04:00").utcoffset().total_seconds() == 4 * 3600


# CSV -------------------------------------------------------------------------------------------


def test_csv_accepts_every_line_ending():
    for newline in ("\r\n", "\n", "\r"):
        text = newline.join(["a,b", "1,2", '"x\ny",3']) + newline
        assert csvinput.read_rows(text.encode()) == [["a", "b"], ["1", "2"], ["x\ny", "3"]]


def test_csv_reports_oversized_and_nul_cells_by_row_and_column(settings):
    big = "a,b\n1," + "x" * 2_000_000 + "\n2,ok\n3,n\x00l\n"
    with pytest.raises(csvinput.CsvInvalid) as caught:
        csvinput.read_rows(big.encode())
    rows = {(row, column) for row, column, _reason in caught.value.problems}
    assert rows == {(2, "b"), (4, "b")}
    with pytest.raises(csvinput.CsvInvalid) as caught:
        csvinput.read_rows(b"a,b\n\xff\xfe,1\n")
    assert caught.value.problems[0][0] == 2


def test_a_register_import_with_a_nul_is_refused_at_the_preview(town, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in(client_for, town, "inputs-secretary@test", "administrator")
    before = counts(town)
    for content in (
        "psn,last_name\r1000000001,Պետ\x00րոսյան\r".encode(),
        ("psn,last_name\n1000000001," + "Ա" * 200_000 + "\n").encode(),
    ):
        upload = SimpleUploadedFile("residents.csv", content, content_type="text/csv")
        response = client.post("/staff/registers/residents/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        page = response.content.decode()
        assert "last_name" in page and "confirm" not in page.lower().split("</form>")[0][-200:]
        assert "not allowed" in page or "at most" in page
    assert counts(town) == before


def test_a_budget_file_with_cr_line_ends_imports(town, client_for):
    from tenants.budget import imports

    with schema_context(town.schema_name):
        lines = imports.parse("year,category,planned,executed\r2025,01,1000,900\r")
        assert len(lines) == 1


def test_input_is_checked_for_each_municipality_alike(town, alpha, client_for):
    """Isolation: the guard answers on every host the same way and reads nothing of another."""
    for host in (town.primary_host, alpha.primary_host):
        assert client_for(host).get("/track/?code=%00").status_code == 400


def test_the_provisioning_csv_is_read_by_the_same_reader(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "batch.csv"
    path.write_bytes(
        "slug,name_hy,name_en,name_ru,region,settlements,admin_email\rcsv-nul,Ա\x00,A,А,lori,,a@nul.test\r".encode()
    )
    with pytest.raises(CommandError) as caught:
        call_command("provision", "--csv", str(path))
    assert "row 2, column name_hy" in str(caught.value)
