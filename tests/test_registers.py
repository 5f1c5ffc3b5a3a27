"""Registers: template-defined fields, history, conflicts, uniqueness, permissions, the
personal-data log, public registers and isolation."""

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from tenants.registers import services
from tenants.registers.fields import FieldError, make_field
from tenants.registers.models import PersonalDataAccess, Record, RecordChange, Register
from tests.conftest import provision_ok
from tests.registers_helpers import resident, signed_in, staff_user


@pytest.fixture(scope="module")
def town():
    return provision_ok()


def test_provisioning_creates_the_template_registers_with_permissions(town):
    with schema_context(town.schema_name):
        codes = set(Register.objects.values_list("code", flat=True))
        assert codes == {
            "residents",
            "streets",
            "addresses",
            "land_parcels",
            "buildings",
            "businesses",
            "council_decisions",
            "correspondence_in",
            "correspondence_out",
        }
        residents = Register.objects.get(code="residents")
        assert residents.has_personal_data and not residents.is_public
        assert Register.objects.get(code="council_decisions").is_public


# Field types ----------------------------------------------------------------------------------


def field(type_, **spec):
    return make_field({"code": "f", "type": type_, "name": {"hy": "Դ", "en": "F", "ru": "П"}, **spec})


@pytest.mark.parametrize(
    "type_,spec,raw,stored",
    [
        ("text", {}, "  Արամ   Պետրոսյան ", "Արամ Պետրոսյան"),
        ("text", {"pattern": r"^\d{4}$"}, "0401", "0401"),
        ("long_text", {}, "line one\r\nline two", "line one\nline two"),
        ("integer", {"min": 0}, "1 250", 1250),
        ("decimal", {"decimal_places": 2}, "1250,5", "1250.5"),
        ("date", {}, "17.05.1980", "1980-05-17"),
        ("date", {}, "1980-05-17", "1980-05-17"),
        ("boolean", {}, "այո", True),
        ("boolean", {}, "false", False),
        ("choice", {"choices": [{"value": "a", "name": {"hy": "Ա", "en": "A", "ru": "А"}}]}, "Ա", "a"),
        ("personal_id", {"kinds": ["psn"]}, "12345 67890", "1234567890"),
        ("personal_id", {"kinds": ["passport"]}, "an1234567", "AN1234567"),
        (
            "address",
            {},
            "Ապարան, Բաղրամյան, 11, 4",
            {"settlement": "Ապարան", "street": "Բաղրամյան", "building": "11", "apartment": "4"},
        ),
        ("point", {}, "40.5939, 44.3546", {"lat": 40.5939, "lon": 44.3546}),
    ],
)
def test_each_field_type_accepts_and_normalises(type_, spec, raw, stored):
    assert field(type_, **spec).clean(raw) == stored


@pytest.mark.parametrize(
    "type_,spec,raw,message",
    [
        ("text", {"required": True}, "  ", "required"),
        ("text", {"max_length": 3}, "abcd", "At most 3"),
        ("text", {"pattern": r"^\d{4}$"}, "12a4", "expected form"),
        ("integer", {}, "12.5", "whole number"),
        ("integer", {"max": 60}, "61", "largest allowed value is 60"),
        ("decimal", {}, "abc", "Enter a number"),
        ("decimal", {"decimal_places": 2}, "1.005", "2 digits"),
        ("decimal", {}, "NaN", "Enter a number"),
        ("date", {}, "31.02.2020", "DD.MM.YYYY"),
        ("date", {"not_in_future": True}, "01.01.2999", "future"),
        ("boolean", {}, "maybe", "yes or no"),
        ("choice", {"choices": [{"value": "a", "name": {"hy": "Ա", "en": "A", "ru": "А"}}]}, "b", "Choose one of"),
        ("personal_id", {"kinds": ["psn"]}, "12345", "Not a valid identifier"),
        ("address", {}, "only one part", "settlement and a street"),
        ("point", {}, "95, 10", "Latitude"),
        ("file", {}, "not a file", "Upload a file"),
    ],
)
def test_each_field_type_refuses_bad_values_with_a_message(type_, spec, raw, message):
    with pytest.raises(FieldError) as caught:
        field(type_, **spec).clean(raw)
    assert message in str(caught.value)


def test_a_reference_must_point_to_an_existing_record(town):
    with schema_context(town.schema_name):
        street = services.create("streets", {"name": "Մաշտոցի", "settlement": "Կենտրոն", "kind": "avenue"})
        address = services.create("addresses", {"street": str(street.uuid), "building": "2"})
        assert address.data["street"] == str(street.uuid)
        with pytest.raises(services.RecordInvalid) as caught:
            services.create("addresses", {"street": "00000000-0000-0000-0000-000000000000", "building": "3"})
        assert "street" in caught.value.errors
        # A record of another register is not a street.
        other = services.create("businesses", {"tin": "01234567", "name": "Արև ՍՊԸ", "legal_form": "llc"})
        with pytest.raises(services.RecordInvalid):
            services.create("addresses", {"street": str(other.uuid), "building": "3"})


# History, conflicts, uniqueness --------------------------------------------------------------


def test_every_change_is_in_the_history(town):
    user = staff_user(town, "secretary@town.test", "secretary")
    with schema_context(town.schema_name):
        record = services.create("residents", resident(1), user=user)
        services.update(record, {"phone": "+374 91 123456", "status": "moved_out"}, user=user)
        changes = list(RecordChange.objects.filter(record=record).order_by("id"))
        assert [c.action for c in changes] == ["create", "update"]
        assert changes[1].changes == {"phone": [None, "+374 91 123456"], "status": ["registered", "moved_out"]}
        assert changes[1].user == user
        record.refresh_from_db()
        assert record.version == 2


def test_a_duplicate_unique_value_is_refused(town):
    with schema_context(town.schema_name):
        services.create("residents", resident(2))
        with pytest.raises(services.RecordInvalid) as caught:
            services.create("residents", resident(2, first_name="Անի"))
        assert caught.value.errors == {"psn": ["This value is already in the register."]}
        assert Record.objects.filter(data__psn=resident(2)["psn"]).count() == 1


def test_conflicting_edits_the_second_person_is_told_and_nothing_is_lost(town, client_for):
    first = signed_in(client_for, town, "first@town.test", "secretary")
    second = signed_in(client_for, town, "second@town.test", "secretary")
    with schema_context(town.schema_name):
        record = services.create("residents", resident(3))
    url = f"/staff/registers/residents/{record.uuid}/edit/"
    form_one = first.get(url).context["form"]
    form_two = second.get(url).context["form"]

    def post(client, form, **changes):
        data = {k: v for k, v in form.initial.items() if not isinstance(v, dict)}
        data.update({"address_0": "Կենտրոն", "address_1": "Բաղրամյան", "address_2": "4", "address_3": ""})
        data.update(changes)
        return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")

    assert post(first, form_one, phone="+374 91 111111").status_code == 302
    response = post(second, form_two, phone="+374 91 222222")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Somebody else saved this record" in html and "+374 91 111111" in html
    with schema_context(town.schema_name):
        record.refresh_from_db()
        assert record.data["phone"] == "+374 91 111111" and record.version == 2
    # Having seen the other change, the second person saves knowingly.
    data = response.context["form"].data.copy()
    assert second.post(url, data).status_code == 302
    with schema_context(town.schema_name):
        record.refresh_from_db()
        assert record.data["phone"] == "+374 91 222222" and record.version == 3
        assert RecordChange.objects.filter(record=record, action="update").count() == 2


# Permissions and personal data ---------------------------------------------------------------


def test_permissions_per_register_and_role(town, client_for):
    editor = signed_in(client_for, town, "editor@town.test", "editor")
    with schema_context(town.schema_name):
        record = services.create("residents", resident(4))
    assert editor.get("/staff/registers/residents/").status_code == 403
    assert editor.get(f"/staff/registers/residents/{record.uuid}/").status_code == 403
    index = editor.get("/staff/registers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-register="council_decisions"' in index and 'data-register="residents"' not in index

    operator = signed_in(client_for, town, "operator@town.test", "front_office")
    assert operator.get("/staff/registers/residents/").status_code == 200
    assert operator.get("/staff/registers/residents/new/").status_code == 403
    assert operator.get("/staff/registers/residents/import/").status_code == 403
    assert operator.get("/staff/registers/residents/export.csv").status_code == 403


def test_reading_personal_data_is_logged_with_the_reason_the_role_requires(town, client_for):
    operator = signed_in(client_for, town, "operator2@town.test", "front_office")
    with schema_context(town.schema_name):
        record = services.create("residents", resident(5))
        before = PersonalDataAccess.objects.count()
    url = f"/staff/registers/residents/{record.uuid}/"
    asked = operator.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Why do you need this person" in asked.content.decode()
    with schema_context(town.schema_name):
        assert PersonalDataAccess.objects.count() == before  # nothing shown, nothing logged
    shown = operator.get(url, {"reason": "Residence certificate application 2026/15"})
    assert resident(5)["psn"] in shown.content.decode()
    with schema_context(town.schema_name):
        entry = PersonalDataAccess.objects.latest("id")
        assert entry.person_ids == [resident(5)["psn"]] and entry.reason.startswith("Residence certificate")
        assert entry.user.username == "operator2@town.test" and entry.channel == "staff"

    secretary = signed_in(client_for, town, "secretary2@town.test", "secretary")
    assert secretary.get(url).status_code == 200  # no reason asked of this role, but logged
    admin_log = signed_in(client_for, town, "admin2@town.test", "administrator")
    page = admin_log.get("/staff/registers/access-log/", {"person": resident(5)["psn"]}).content.decode()
    assert "operator2@town.test" in page and "secretary2@town.test" in page and "2026/15" in page
    assert secretary.get("/staff/registers/access-log/").status_code == 403


def test_an_export_is_logged_for_every_person_in_it(town, client_for):
    secretary = signed_in(client_for, town, "secretary3@town.test", "secretary")
    with schema_context(town.schema_name):
        services.create("residents", resident(6, last_name="Արտահանյան"))
        before = PersonalDataAccess.objects.filter(channel="export").count()
        count = services.records("residents").count()
    response = secretary.get("/staff/registers/residents/export.csv")
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv") and "Արտահանյան" in body
    assert len(body.strip().splitlines()) == count + 1
    with schema_context(town.schema_name):
        assert PersonalDataAccess.objects.filter(channel="export").count() == before + count
    data = secretary.get("/staff/registers/residents/export.json", {"q": "Արտահանյան"}).json()
    assert [r["last_name"] for r in data["records"]] == ["Արտահանյան"]


# Search ---------------------------------------------------------------------------------------


def test_full_text_and_per_field_search(town, client_for):
    secretary = signed_in(client_for, town, "secretary4@town.test", "secretary")
    with schema_context(town.schema_name):
        services.create("residents", resident(7, last_name="Խաչատրյան", first_name="Լիլիթ", sex="female"))
        services.create("residents", resident(8, last_name="Խաչիկյան", first_name="Գոռ", status="moved_out"))

    def found(**params):
        page = secretary.get("/staff/registers/residents/", params)
        return sorted(cells[0] for _r, cells in page.context["rows"])

    assert found(q="խաչ") == ["Խաչատրյան", "Խաչիկյան"]  # case-folded prefix search
    assert found(q="ԽԱՉԱՏՐՅԱՆ լիլ") == ["Խաչատրյան"]
    assert found(q="խաչ", f_status="moved_out") == ["Խաչիկյան"]
    assert found(q="խաչ", f_sex="female") == ["Խաչատրյան"]
    assert found(q=resident(8)["psn"]) == ["Խաչիկյան"]
    assert found(f_last_name="ԱՏՐՅ") == ["Խաչատրյան"]  # one field, any part, any case
    assert found(q="խաչ", f_birth_date="17.05.1980") == ["Խաչատրյան", "Խաչիկյան"]
    assert found(q="խաչ", f_birth_date="not a date") == ["Խաչատրյան", "Խաչիկյան"]


# The Python interface for other modules --------------------------------------------------------


def test_lookup_prefill_and_writes_in_the_callers_transaction(town):
    with schema_context(town.schema_name):
        services.create("residents", resident(9, first_name="Նարե"))
        person = services.lookup("residents", psn=resident(9)["psn"])
        assert services.prefill(person, {"applicant": "first_name", "born": "birth_date"}) == {
            "applicant": "Նարե",
            "born": "1980-05-17",
        }
        assert services.lookup("residents", birth_date="17.05.1980") is not None
        with pytest.raises(RuntimeError), transaction.atomic():
            services.create("buildings", {"address": "Կենտրոն, Բաղրամյան, 99", "purpose": "residential"})
            raise RuntimeError("the case decision failed")
        assert (
            not services.matching("buildings", {"purpose": "residential"}).filter(data__address__building="99").exists()
        )


# Public registers ----------------------------------------------------------------------------


def test_public_register_shows_published_records_and_public_fields_only(town, client_for):
    with schema_context(town.schema_name):
        published = services.create(
            "council_decisions",
            {
                "number": "N 12-Ա",
                "date": "12.03.2026",
                "title": "Համայնքի 2026 թվականի բյուջեի մասին",
                "text": "Հաստատել բյուջեն։",
                "votes_for": 9,
                "votes_against": 1,
                "status": "adopted",
                "published": True,
            },
        )
        draft = services.create(
            "council_decisions",
            {"number": "N 13-Ն", "date": "12.03.2026", "title": "Գաղտնի նախագիծ", "status": "draft"},
        )
    public = client_for(town.primary_host)
    listing = public.get("/registers/council_decisions/").content.decode()
    assert "N 12-Ա" in listing and "Գաղտնի նախագիծ" not in listing
    assert public.get(f"/registers/council_decisions/{published.uuid}/").status_code == 200
    assert public.get(f"/registers/council_decisions/{draft.uuid}/").status_code == 404
    assert public.get("/registers/residents/").status_code == 404
    data = public.get("/registers/council_decisions.json").json()
    assert [r["number"] for r in data["records"]] == ["N 12-Ա"] and "published" not in data["fields"]
    csv_text = b"".join(public.get("/registers/council_decisions.csv").streaming_content).decode()
    assert "N 12-Ա" in csv_text and "N 13-Ն" not in csv_text


# Isolation ------------------------------------------------------------------------------------


def test_a_record_of_one_municipality_is_found_nowhere_else(town, alpha, client_for):
    with schema_context(town.schema_name):
        record = services.create(
            "council_decisions",
            {"number": "N 1", "date": "01.01.2026", "title": "Միայն մեր", "status": "adopted", "published": True},
        )
    other_admin = signed_in(client_for, alpha, "registers-admin@alpha.test", "administrator")
    assert other_admin.get(f"/staff/registers/council_decisions/{record.uuid}/").status_code == 404
    assert client_for("alpha.localhost").get(f"/registers/council_decisions/{record.uuid}/").status_code == 404
    assert (
        "Միայն մեր"
        not in b"".join(
            client_for("alpha.localhost").get("/registers/council_decisions.csv").streaming_content
        ).decode()
    )
    with schema_context(alpha.schema_name):
        assert not Record.objects.filter(uuid=record.uuid).exists()


def test_attachments_are_checked_by_content_and_served_after_a_permission_check(town, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    secretary = signed_in(client_for, town, "files@town.test", "secretary")
    base = {"number": "N 50", "date": "01.04.2026", "title": "Որոշում կցվածքով", "status": "adopted", "published": "on"}
    fake = SimpleUploadedFile("decision.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = secretary.post(
        "/staff/registers/council_decisions/new/", {**base, "attachment": fake}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "Only PDF, PNG, JPEG and office documents" in response.content.decode()
    with schema_context(town.schema_name):
        assert not services.matching("council_decisions", {"number": "N 50"}).exists()

    pdf = SimpleUploadedFile("decision.pdf", b"%PDF-1.7\n%hamaynk\n", content_type="application/pdf")
    response = secretary.post("/staff/registers/council_decisions/new/", {**base, "attachment": pdf})
    assert response.status_code == 302
    with schema_context(town.schema_name):
        record = services.lookup("council_decisions", number="N 50")
    assert record.data["attachment"]["key"].startswith("registers/council_decisions/")
    staff_copy = secretary.get(f"/staff/registers/council_decisions/{record.uuid}/file/attachment")
    assert b"".join(staff_copy.streaming_content).startswith(b"%PDF-1.7")
    public_copy = client_for(town.primary_host).get(f"/registers/council_decisions/{record.uuid}/file/attachment")
    assert public_copy.status_code == 200
    # Signed-out visitors get no file from a register that is not public.
    assert (
        client_for(town.primary_host)
        .get(f"/staff/registers/council_decisions/{record.uuid}/file/attachment")
        .status_code
        == 302
    )


def test_two_people_saving_the_same_identifier_at_once_store_it_once(town):
    import threading

    from django.db import connection as default_connection
    from django.db import connections

    from hamaynk.tenancy.models import Municipality

    municipality = Municipality.objects.get(pk=town.pk)
    outcomes = []
    barrier = threading.Barrier(2)

    def save(first_name):
        connections["default"].set_tenant(municipality)
        try:
            barrier.wait(timeout=10)  # both insert at the same moment
            with transaction.atomic():
                services.create("residents", resident(77, first_name=first_name))
            outcomes.append("saved")
        except services.RecordInvalid as exc:
            outcomes.append(exc.errors)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(name,)) for name in ("Անի", "Արա")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert "saved" in outcomes and len(outcomes) == 2
    refused = [o for o in outcomes if o != "saved"][0]
    assert list(refused) == ["psn"]  # the loser is told which field, in its own language
    with schema_context(town.schema_name):
        assert services.records("residents").filter(data__psn=resident(77)["psn"]).count() == 1
    default_connection.set_schema_to_public()


def test_the_administrator_issues_and_revokes_api_keys(town, client_for):
    from tenants.registers.apikeys import authenticate

    admin = signed_in(client_for, town, "keys-admin@town.test", "administrator")
    page = admin.post("/staff/registers/api-keys/", {"name": "Population register sync", "can_write": "on"})
    plaintext = page.context["issued"]["plaintext"]
    assert plaintext in page.content.decode()
    with schema_context(town.schema_name):
        key = authenticate(f"Bearer {plaintext}")
        assert key.name == "Population register sync" and key.can_write
        assert plaintext not in str(list(key.__class__.objects.values()))  # only a hash is kept
    assert plaintext not in admin.get("/staff/registers/api-keys/").content.decode()
    admin.post(f"/staff/registers/api-keys/{key.prefix}/revoke/")
    with schema_context(town.schema_name):
        assert authenticate(plaintext) is None
    secretary = signed_in(client_for, town, "keys-sec@town.test", "secretary")
    assert secretary.get("/staff/registers/api-keys/").status_code == 403
