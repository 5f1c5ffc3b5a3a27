"""CSV import: a preview with every problem, and nothing imported while any row is bad."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tenants.registers import imports, services
from tenants.registers.models import Record, RecordChange, UniqueValue
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in

HEADER = "Հանրային ծառայությունների համարանիշ,Ազգանուն,Անուն,Հայրանուն,Ծննդյան ամսաթիվ,Սեռ,Հաշվառման հասցե,Կարգավիճակ"


def csv_file(*rows, header=HEADER):
    return SimpleUploadedFile(
        "residents.csv", ("\ufeff" + "\n".join((header,) + rows) + "\n").encode(), content_type="text/csv"
    )


GOOD = [
    '2000000001,Հակոբյան,Մարիամ,Արմենի,03.02.1991,Իգական,"Կենտրոն, Բաղրամյան, 11, 4",Հաշվառված',
    '2000000002,Սարգսյան,Դավիթ,Գագիկի,21.09.1985,male,"Կենտրոն, Շահումյան, 2",registered',
]


def test_one_bad_row_imports_nothing_and_every_problem_is_reported(client_for):
    town = provision_ok()
    secretary = signed_in(client_for, town, "sec@import.test", "secretary")
    bad = GOOD + [
        '2000000003,Վարդանյան,,Սամվելի,31.02.1990,Արական,"Կենտրոն",Հաշվառված',
        '2000000001,Կրկնյան,Արա,,01.01.1970,male,"Կենտրոն, Բաղրամյան, 1",registered',
    ]
    response = secretary.post("/staff/registers/residents/import/", {"file": csv_file(*bad)}, HTTP_ACCEPT_LANGUAGE="en")
    report = response.context["report"]
    assert report.errors == [
        (4, "first_name", "This field is required."),
        (4, "birth_date", "Enter a date as DD.MM.YYYY."),
        (4, "address", "The address needs at least a settlement and a street."),
        (5, "psn", "The same value is on row 2."),
    ]
    assert "nothing was imported" in response.content.decode()
    assert "token" not in response.context
    with schema_context(town.schema_name):
        assert not services.records("residents").exists()


def test_a_clean_file_is_previewed_then_imported_all_at_once(client_for):
    town = provision_ok()
    secretary = signed_in(client_for, town, "sec2@import.test", "secretary")
    preview = secretary.post("/staff/registers/residents/import/", {"file": csv_file(*GOOD)})
    assert preview.context["report"].rows == 2 and preview.context["preview"][0][0] == "Հակոբյան"
    with schema_context(town.schema_name):
        assert not services.records("residents").exists()  # a preview writes nothing
    done = secretary.post("/staff/registers/residents/import/", {"confirm": preview.context["token"]})
    assert done.status_code == 302
    with schema_context(town.schema_name):
        records = services.records("residents").order_by("data__psn")
        assert [r.data["last_name"] for r in records] == ["Հակոբյան", "Սարգսյան"]
        assert records[0].data["address"] == {
            "settlement": "Կենտրոն",
            "street": "Բաղրամյան",
            "building": "11",
            "apartment": "4",
        }
        assert records[0].data["sex"] == "female" and records[0].data["birth_date"] == "1991-02-03"
        assert RecordChange.objects.filter(record__in=records, action="import").count() == 2
        assert UniqueValue.objects.filter(field="psn").count() == 2
        # The imported rows are searchable and their keys do not collide with new records.
        assert services.full_text(services.records("residents"), "մարիամ").count() == 1
        created = services.create(
            "residents",
            {
                "psn": "2000000009",
                "last_name": "Նոր",
                "first_name": "Նոր",
                "birth_date": "01.01.2000",
                "status": "registered",
                "address": "Կենտրոն, Նոր, 1",
            },
        )
        assert created.id > max(r.id for r in records)
    # The same file again: every row is already there.
    again = secretary.post("/staff/registers/residents/import/", {"file": csv_file(*GOOD)}, HTTP_ACCEPT_LANGUAGE="en")
    assert [e[:2] for e in again.context["report"].errors] == [(2, "psn"), (3, "psn")]


def test_header_problems_and_unreadable_files_are_reported():
    town = provision_ok()
    with schema_context(town.schema_name):
        register = services.get_register("residents")
        report, _rows = imports.check(register, imports.read_csv("Ազգանուն,Shoe size\nԱ,42\n".encode()))
        reasons = [(row, fieldname) for row, fieldname, _reason in report.errors]
        assert (1, "Shoe size") in reasons and (1, "psn") in reasons and (1, "birth_date") in reasons
        try:
            imports.read_csv("\xff\xfe broken".encode("latin-1"))
        except imports.ImportInvalid as exc:
            assert "not UTF-8" in exc.report.errors[0][2]
        else:
            raise AssertionError("a non-UTF-8 file must be refused")
        assert not Record.objects.exists()


def test_semicolon_separated_files_are_read_too():
    rows = imports.read_csv("psn;last_name\n1;Ա\n".encode())
    assert rows == [["psn", "last_name"], ["1", "Ա"]]
