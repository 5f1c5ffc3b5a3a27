"""The community budget: template categories, CSV import with preview, the public summary and
chart, open data, and one municipality's figures never reaching another's site."""

import hashlib
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django_tenants.utils import schema_context

from tenants.budget import demo, imports, section, services
from tenants.budget.models import Category, Import, Line
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in

HEADER = "year,category,planned,executed"
GOOD = [
    '2025,R1,"120 000 000","118 500 000"',
    "2025,01,700000000,650000000",
    '2025,09,"450,000,000","430,250,000"',
    "2024,01,650000000,640000000",
]


def csv_file(*rows, header=HEADER, name="budget.csv"):
    return SimpleUploadedFile(name, ("\ufeff" + "\n".join((header,) + rows) + "\n").encode(), content_type="text/csv")


def stored(town):
    with schema_context(town.schema_name):
        return {
            (line.year, line.category.code): (line.planned, line.executed)
            for line in Line.objects.select_related("category")
        }


def imported(client, *rows):
    preview = client.post("/staff/budget/import/", {"file": csv_file(*rows)}, HTTP_ACCEPT_LANGUAGE="en")
    assert "token" in preview.context, preview.context.get("problems")
    done = client.post("/staff/budget/import/", {"confirm": preview.context["token"]})
    assert done.status_code == 302
    return preview


def test_provisioning_loads_the_budget_classification(alpha):
    with schema_context(alpha.schema_name):
        categories = list(Category.objects.all())
        assert [c.code for c in categories][:2] == ["R1", "R2"] and categories[-1].code == "10"
        assert Category.objects.filter(direction="revenue").count() == 8
        assert Category.objects.filter(direction="expenditure").count() == 10
        assert Category.objects.get(code="06").name_hy == "Բնակարանային շինարարություն և կոմունալ ծառայություններ"


def test_loading_the_section_again_keeps_the_figures():
    town = provision_ok()
    with schema_context(town.schema_name):
        Line.objects.create(year=2025, category=Category.objects.get(code="01"), planned=10, executed=5)
        data = {
            "categories": [
                {"code": "01", "direction": "expenditure", "name": {"hy": "Նոր", "en": "Renamed", "ru": "Новое"}}
            ]
        }
        section.load(data, None)
        assert Category.objects.get(code="01").name_en == "Renamed"
        assert Line.objects.count() == 1 and Category.objects.count() == 18


def test_duplicate_category_codes_are_a_template_problem():
    name = {"hy": "Ա", "en": "A", "ru": "А"}
    data = {
        "categories": [
            {"code": "R1", "direction": "revenue", "name": name},
            {"code": "R1", "direction": "revenue", "name": name},
        ]
    }
    assert section.check(data, {}) == [("categories[1].code", "duplicate category code 'R1'")]


def test_a_clean_file_is_previewed_then_imported(client_for):
    town = provision_ok()
    secretary = signed_in(client_for, town, "sec@budget.test", "secretary")
    preview = secretary.post("/staff/budget/import/", {"file": csv_file(*GOOD)})
    assert preview.context["rows"] == 4
    changes = preview.context["changes"]
    assert [(year, [(c.category.code, c.kind, c.new) for c in found]) for year, found in changes] == [
        (2024, [("01", "new", (650000000, 640000000))]),
        (
            2025,
            [
                ("R1", "new", (120000000, 118500000)),
                ("01", "new", (700000000, 650000000)),
                ("09", "new", (450000000, 430250000)),
            ],
        ),
    ]
    assert stored(town) == {}  # a preview writes nothing
    done = secretary.post("/staff/budget/import/", {"confirm": preview.context["token"]})
    assert done.status_code == 302
    assert stored(town) == {
        (2025, "R1"): (120000000, 118500000),
        (2025, "01"): (700000000, 650000000),
        (2025, "09"): (450000000, 430250000),
        (2024, "01"): (650000000, 640000000),
    }
    with schema_context(town.schema_name):
        record = Import.objects.get()
        assert (record.user.username, record.file_name, record.years, record.rows) == (
            "sec@budget.test",
            "budget.csv",
            [2024, 2025],
            4,
        )
        assert record.sha256 == hashlib.sha256(csv_file(*GOOD).read()).hexdigest()
    # The token is spent: confirming twice imports nothing more.
    again = secretary.post("/staff/budget/import/", {"confirm": preview.context["token"]})
    assert again.status_code == 302
    with schema_context(town.schema_name):
        assert Import.objects.count() == 1
    page = secretary.get("/staff/budget/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-year="2025"' in page and "1,150,000,000\xa0֏" in page and "sec@budget.test" in page


def test_one_bad_row_imports_nothing_and_every_problem_is_reported(client_for):
    town = provision_ok()
    secretary = signed_in(client_for, town, "sec2@budget.test", "secretary")
    bad = GOOD + [
        "1999,01,100,100",
        "2025,99,100,-5",
        '2025,1,"1,5",100',
        "2025,R2,1.5,",
    ]
    response = secretary.post("/staff/budget/import/", {"file": csv_file(*bad)}, HTTP_ACCEPT_LANGUAGE="en")
    codes = ", ".join(["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"] + [f"{n:02d}" for n in range(1, 11)])
    amount = "Enter a whole number of drams, 0 or more, such as 1 250 000."
    assert response.context["problems"] == [
        (6, "year", "Enter a year from 2000 to 2100."),
        (7, "category", f"No category has the code “99”. The codes are: {codes}."),
        (7, "executed", amount),
        (8, "category", "Year 2025 and category 01 are on row 3 too."),
        (8, "planned", amount),
        (9, "planned", amount),
        (9, "executed", amount),
    ]
    content = response.content.decode()
    assert "nothing was imported" in content and "confirm-import" not in content
    assert stored(town) == {}


def test_missing_columns_and_empty_files_are_reported():
    town = provision_ok()
    with schema_context(town.schema_name):
        for text, expected in [
            (
                "year;category;amount\n2025;01;5\n",
                [(1, "planned", "The column is missing."), (1, "executed", "The column is missing.")],
            ),
            ("", [(None, "", "The file has no budget lines.")]),
            (HEADER + "\n\n", [(None, "", "The file has no budget lines.")]),
        ]:
            try:
                imports.parse(text)
            except imports.ImportInvalid as exc:
                assert exc.problems == expected
            else:
                raise AssertionError(f"{text!r} must be refused")


def test_semicolons_grouped_thousands_dropped_zeros_and_extra_columns_are_read():
    town = provision_ok()
    with schema_context(town.schema_name):
        lines = imports.parse(
            "Year;Direction;Category;Planned;Executed\r\n"
            "2025;expenditure;1;1\u00a0250\u00a0000;1 000,000\r\n2025;revenue;r8;0;12\r\n"
        )
        assert {(year, c.code): amounts for (year, c), amounts in lines.items()} == {
            (2025, "01"): (1250000, 1000000),
            (2025, "R8"): (0, 12),
        }


def test_importing_a_year_again_replaces_its_lines_and_leaves_other_years(client_for):
    town = provision_ok()
    secretary = signed_in(client_for, town, "sec3@budget.test", "secretary")
    imported(secretary, *GOOD)
    preview = imported(secretary, "2025,01,700000000,690000000", "2025,R3,5000000,4000000")
    [(year, found)] = preview.context["changes"]
    assert year == 2025
    assert [(c.category.code, c.kind, c.old, c.new) for c in found] == [
        ("R1", "removed", (120000000, 118500000), None),
        ("R3", "new", None, (5000000, 4000000)),
        ("01", "changed", (700000000, 650000000), (700000000, 690000000)),
        ("09", "removed", (450000000, 430250000), None),
    ]
    assert stored(town) == {
        (2025, "01"): (700000000, 690000000),
        (2025, "R3"): (5000000, 4000000),
        (2024, "01"): (650000000, 640000000),
    }
    with schema_context(town.schema_name):
        assert [i.years for i in Import.objects.all()] == [[2025], [2024, 2025]]


def test_oversize_and_garbled_files_get_a_clear_message(client_for):
    town = provision_ok()
    secretary = signed_in(client_for, town, "sec4@budget.test", "secretary")
    big = SimpleUploadedFile("budget.csv", (HEADER + "\n").encode() + b"2025,01,1,1\n" * 200_000)
    response = secretary.post("/staff/budget/import/", {"file": big}, HTTP_ACCEPT_LANGUAGE="en")
    assert "larger than 2 MB" in response.context["form"].errors["file"][0]
    for raw in ("year,category\n2025,Ծախս".encode("utf-16"), b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe"):
        response = secretary.post(
            "/staff/budget/import/", {"file": SimpleUploadedFile("budget.xlsx", raw)}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert "not CSV text in UTF-8" in response.context["form"].errors["file"][0]
        assert "token" not in response.context
    expired = secretary.post("/staff/budget/import/", {"confirm": "forged"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "The preview has expired" in expired.content.decode()
    assert stored(town) == {}


def test_viewing_and_importing_need_their_permissions(client_for):
    town = provision_ok()
    operator = signed_in(client_for, town, "front@budget.test", "front_office")
    for url in ("/staff/budget/", "/staff/budget/2025/", "/staff/budget/import/"):
        assert operator.get(url).status_code == 403
    mayor = signed_in(client_for, town, "mayor@budget.test", "mayor")
    assert mayor.get("/staff/budget/").status_code == 200
    assert mayor.get("/staff/budget/2025/").status_code == 200
    assert mayor.get("/staff/budget/import/").status_code == 403
    assert mayor.post("/staff/budget/import/", {"file": csv_file(*GOOD)}).status_code == 403
    assert stored(town) == {}
    anonymous = client_for(town.primary_host).get("/staff/budget/")
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]


def test_open_data_in_csv_and_json(client_for):
    town = provision_ok()
    imported(signed_in(client_for, town, "sec5@budget.test", "secretary"), *GOOD)
    public = client_for(town.primary_host)
    response = public.get("/open-data/budget.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").splitlines() == [
        "year,direction,category,category_name,planned,executed",
        "2024,expenditure,01,General public services,650000000,640000000",
        "2025,revenue,R1,Property tax on buildings and structures,120000000,118500000",
        "2025,expenditure,01,General public services,700000000,650000000",
        "2025,expenditure,09,Education,450000000,430250000",
    ]
    data = json.loads(public.get("/open-data/budget.json?year=2024", HTTP_ACCEPT_LANGUAGE="hy").content)
    assert data == {
        "dataset": "budget",
        "currency": "AMD",
        "years": [2024],
        "lines": [
            {
                "year": 2024,
                "direction": "expenditure",
                "category": "01",
                "category_name": "Ընդհանուր բնույթի հանրային ծառայություններ",
                "planned": 650000000,
                "executed": 640000000,
            },
        ],
    }
    assert json.loads(public.get("/open-data/budget.json").content)["years"] == [2024, 2025]
    for bad in ("abc", "1999"):
        response = public.get(f"/open-data/budget.csv?year={bad}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert "The year must be a number from 2000 to 2100" in response.content.decode()
    # A year no calendar has is refused by the input guard before the view, as on every page.
    response = public.get("/open-data/budget.csv?year=20255", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "“year” must be a whole number from 1 to 9999" in response.content.decode()
    # The open-data file goes back in unchanged: its extra columns are ignored.
    with schema_context(town.schema_name):
        assert len(imports.parse(public.get("/open-data/budget.csv").content.decode("utf-8-sig"))) == 4


def test_summary_chart_and_public_table():
    town = provision_ok()
    with schema_context(town.schema_name):
        categories = {c.code: c for c in Category.objects.all()}
        Line.objects.bulk_create(
            [
                Line(year=2025, category=categories["R6"], planned=1_000_000_000, executed=1_000_000_000),
                Line(year=2025, category=categories["R1"], planned=200_000_000, executed=150_000_000),
                Line(year=2025, category=categories["09"], planned=0, executed=0),
                Line(year=2023, category=categories["01"], planned=5, executed=5),
            ]
        )
        assert services.years() == [2025, 2023]
        summary = services.summary(2025)
        assert summary.year == 2025
        assert [(line.category.code, line.share) for line in summary.revenue.lines] == [("R1", 0.75), ("R6", 1.0)]
        assert (summary.revenue.planned, summary.revenue.executed) == (1_200_000_000, 1_150_000_000)
        assert [(line.category.code, line.share) for line in summary.expenditure.lines] == [("09", None)]
        svg = services.chart_svg(summary, "revenue")
        assert 'role="img"' in svg and "<script" not in svg
        title = "Revenue 2025: planned and executed by category"
        assert f'<title id="budget-chart-2025-revenue-title">{title}</title>' in svg
        assert "<desc" in svg and "1,200,000,000\xa0֏" in svg and "95.8%" in svg
        assert svg.count('class="bar-planned"') == 2 and svg.count('class="bar-executed"') == 2
        assert 'data-code="R6"' in svg and "Equalisation subsidy from the state budget" in svg
        html = render_to_string("budget/_year.html", {"summary": summary})
        # Each chart twice: the wide drawing and the phone's (its own ids, larger letters, long names wrapped).
        assert html.count("<table") == 2 and html.count("<caption>") == 2 and html.count("<svg") == 4
        compact = services.chart_svg(summary, "revenue", services.COMPACT)
        assert 'viewBox="0 0 360 ' in compact and 'id="budget-chart-2025-revenue-compact-title"' in compact
        assert 'font-size="15"' in compact and compact.count("<tspan") > svg.count("<tspan")
        assert all(len(line) <= services.COMPACT.label_chars for line in services.wrap("ա " * 40, 36))
        assert '<th scope="row">Property tax on buildings and structures</th>' in html
        assert "150,000,000\xa0֏" in html and "75.0%" in html and "—" in html
        assert services.summary(2030).revenue.lines == ()
        assert "No figures for this year." in render_to_string("budget/_year.html", {"summary": services.summary(2030)})


def test_demo_seed_fills_three_closed_years_and_the_current_one():
    from django.utils import timezone

    town = provision_ok()
    this_year = timezone.localdate().year
    with schema_context(town.schema_name):
        assert demo.seed() is True and demo.seed() is False
        assert services.years() == [this_year, this_year - 1, this_year - 2, this_year - 3]
        current = services.summary(this_year)
        assert all(line.executed < line.planned for part in current.directions for line in part.lines)
        assert 2_000_000_000 < services.summary(this_year - 1).revenue.planned < 4_000_000_000


def test_one_municipalitys_budget_never_reaches_another(alpha, beta, client_for):
    with schema_context(alpha.schema_name):
        Line.objects.create(year=2031, category=Category.objects.get(code="R2"), planned=777_000_001, executed=1)
    try:
        for path in ("/open-data/budget.csv", "/open-data/budget.json", "/open-data/budget.json?year=2031"):
            assert "777000001" in client_for(alpha.primary_host).get(path).content.decode("utf-8-sig")
            assert "777000001" not in client_for(beta.primary_host).get(path).content.decode("utf-8-sig")
        mayor = signed_in(client_for, beta, "mayor@beta-budget.test", "mayor")
        assert "2031" not in mayor.get("/staff/budget/").content.decode()
        assert "777" not in mayor.get("/staff/budget/2031/").content.decode()
        with schema_context(beta.schema_name):
            assert 2031 not in services.years()
    finally:
        with schema_context(alpha.schema_name):
            Line.objects.filter(year=2031).delete()
