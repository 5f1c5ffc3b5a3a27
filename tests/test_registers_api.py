"""The GovStack Digital Registries API (/api/dr/): every endpoint's path, body and status codes,
keys and the mediator header, history and the personal-data log, isolation between
municipalities, the database API, the OpenAPI document and the `apikey` command."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from tenants.registers import apikeys, services
from tenants.registers.models import ApiKey, PersonalDataAccess, RecordChange, Register
from tests.conftest import provision_ok
from tests.registers_helpers import resident, signed_in

CLIENT = "eGovStack/GOV/90000009/digitalregistries"
BASE = "/api/dr/data/residents/1"


@pytest.fixture(scope="module")
def town():
    return provision_ok()


@pytest.fixture(scope="module")
def keys(town):
    with schema_context(town.schema_name):
        return {"read": apikeys.issue_key("reader")[1], "write": apikeys.issue_key("writer", can_write=True)[1]}


class Api:
    """A test client that sends a key, the mediator header and JSON bodies."""

    def __init__(self, client, key, mediator=CLIENT):
        self.client, self.headers = client, {"Accept-Language": "en"}
        if key:
            self.headers["Authorization"] = key
        if mediator:
            self.headers["Information-Mediator-Client"] = mediator

    def get(self, path, params=None):
        return self.client.get(path, params or {}, headers=self.headers)

    def send(self, method, path, body=None):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(path, data, content_type="application/json", headers=self.headers)

    def post(self, path, body=None):
        return self.send("post", path, body)

    def put(self, path, body=None):
        return self.send("put", path, body)

    def delete(self, path):
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def api(town, keys, client_for):
    return Api(client_for(town.primary_host), keys["write"])


@pytest.fixture
def reader(town, keys, client_for):
    return Api(client_for(town.primary_host), keys["read"])


def write(content):
    return {"write": {"content": content}}


def query(content, **more):
    return {"query": {"content": content}, **more}


def create(api, n, **overrides):
    response = api.post(f"{BASE}/create", write(resident(n, **overrides)))
    assert response.status_code == 200, response.content
    return response.json()["content"]


# Create, read, exists, history ---------------------------------------------------------------


def test_create_then_read_and_exists_with_history_naming_the_client(town, api):
    created = create(api, 101, birth_date="17.05.1980", phone=None)
    assert set(created) == {"id"} | {f["code"] for f in _register(town, "residents").fields}
    assert created["birth_date"] == "1980-05-17" and created["phone"] is None
    assert created["last_name"] == "Պետրոսյան"

    read = api.post(f"{BASE}/read", query({"psn": resident(101)["psn"]}))
    assert read.status_code == 200 and read.json() == {"content": created}
    assert read["Content-Type"] == "application/json; charset=utf-8"
    assert "Պետրոսյան".encode() in read.content  # UTF-8, not \u escapes
    assert api.post(f"{BASE}/read", query({"id": created["id"]})).json()["content"]["id"] == created["id"]
    assert api.post(f"{BASE}/read", query({"birth_date": "17.05.1980", "first_name": "Արամ"})).status_code == 200

    missing = api.post(f"{BASE}/read", query({"psn": "9999999999"}))
    assert missing.status_code == 404 and missing.json() == {"detail": "no record found"}
    assert api.post(f"{BASE}/read", query({"id": "not-a-uuid"})).status_code == 404

    yes = api.post(f"{BASE}/exists", query({"psn": resident(101)["psn"]})).json()
    no = api.post(f"{BASE}/exists", query({"psn": "9999999999"})).json()
    assert yes["answer"]["status"] is True and no["answer"]["status"] is False and no["answer"]["message"]
    empty_phone = api.post(f"{BASE}/exists", query({"psn": resident(101)["psn"], "phone": None})).json()
    empty_name = api.post(f"{BASE}/exists", query({"psn": resident(101)["psn"], "first_name": None})).json()
    assert empty_phone["answer"]["status"] is True and empty_name["answer"]["status"] is False

    with schema_context(town.schema_name):
        change = RecordChange.objects.get(record__uuid=created["id"])
        assert change.action == "create" and change.actor == CLIENT and change.user is None


def test_unknown_register_or_version_is_a_404(api):
    for path in ("/api/dr/data/nonesuch/1", "/api/dr/data/residents/2", "/api/dr/data/residents/1.0"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["detail"]
    assert api.post("/api/dr/data/residents/7/create", write(resident(102))).status_code == 404
    assert api.post("/api/dr/data/nonesuch/1/read", query({"psn": "1"})).status_code == 404


def test_bad_input_is_a_400_with_messages_per_field(api, settings):
    bad = api.post(f"{BASE}/create", write(resident(103, psn="12345", birth_date="31.02.1990", last_name="")))
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"psn", "birth_date", "last_name"}
    assert "Not a valid identifier" in bad.json()["errors"]["psn"][0] and bad.json()["detail"]

    unknown = api.post(f"{BASE}/create", write({**resident(103), "shoe_size": 44}))
    assert unknown.status_code == 400 and "shoe_size" in unknown.json()["errors"]["__all__"][0]
    given_id = api.post(f"{BASE}/create", write({**resident(103), "id": "00000000-0000-0000-0000-000000000001"}))
    assert given_id.status_code == 400 and "id" in given_id.json()["errors"]

    assert api.post(f"{BASE}/create", "{not json").status_code == 400
    assert api.post(f"{BASE}/create", [1, 2]).status_code == 400
    assert api.post(f"{BASE}/create", {"content": resident(103)}).status_code == 400  # no "write"
    assert api.post(f"{BASE}/read", {"query": {"content": {}}}).status_code == 400  # empty query
    bad_query = api.post(f"{BASE}/read", query({"birth_date": "yesterday"}))
    assert bad_query.status_code == 400 and "birth_date" in bad_query.json()["errors"]

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert api.post(f"{BASE}/create", write({**resident(103), "patronymic": "Ա" * 1000})).status_code == 413

    create(api, 104)
    duplicate = api.post(f"{BASE}/create", write(resident(104, first_name="Անի")))
    assert duplicate.status_code == 400 and list(duplicate.json()["errors"]) == ["psn"]


# Keys and the mediator header ----------------------------------------------------------------


def test_keys_missing_invalid_revoked_and_read_only(town, keys, client_for, api):
    client = client_for(town.primary_host)
    assert Api(client, None).get(BASE).status_code == 401
    assert Api(client, "hmk_nothing_here").get(BASE).status_code == 401
    wrong_secret = keys["read"][:-4] + "abcd"
    response = Api(client, wrong_secret).get(BASE)
    assert response.status_code == 401 and response.json()["detail"] and response["WWW-Authenticate"]
    assert Api(client, keys["read"]).get(BASE).status_code == 200
    assert Api(client, f"Bearer {keys['read']}").get(BASE).status_code == 200

    reader = Api(client, keys["read"])
    record = create(api, 105)
    for method, path, body in [
        ("post", f"{BASE}/create", write(resident(106))),
        ("put", f"{BASE}/update", query({"id": record["id"]}, **write({"phone": "+374 91 000000"}))),
        ("put", f"{BASE}/updateEntries", query({"id": record["id"]}, **write({"phone": "+374 91 000000"}))),
        ("post", f"{BASE}/updateOrCreate", query({"id": record["id"]}, **write({"phone": "+374 91 000000"}))),
    ]:
        assert reader.send(method, path, body).status_code == 403, path
    assert reader.delete(f"{BASE}/{record['id']}/delete").status_code == 403
    assert reader.post(f"{BASE}/read", query({"id": record["id"]})).status_code == 200

    with schema_context(town.schema_name):
        key, plaintext = apikeys.issue_key("short-lived")
        assert ApiKey.objects.get(prefix=key.prefix).hashed != plaintext
        assert plaintext not in json.dumps(list(ApiKey.objects.values()), default=str)
    assert Api(client, plaintext).get(BASE).status_code == 200
    with schema_context(town.schema_name):
        assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
        assert apikeys.revoke(key.prefix)
    assert Api(client, plaintext).get(BASE).status_code == 401


def test_the_mediator_header_is_required_on_every_endpoint(town, keys, client_for):
    headless = Api(client_for(town.primary_host), keys["write"], mediator=None)
    for response in (
        headless.get(BASE),
        headless.post(f"{BASE}/read", query({"psn": "1"})),
        headless.get("/api/dr/data/myPersonalDataUsage", {"userId": "1", "databaseId": "residents"}),
        headless.get("/api/dr/databases"),
    ):
        assert response.status_code == 400
        assert "Information-Mediator-Client" in response.json()["detail"]
    assert headless.get("/api/dr/openapi.json").status_code == 200


def test_unknown_paths_and_methods_answer_in_json(api):
    response = api.get("/api/dr/nothing/here")
    assert response.status_code == 404 and response.json()["detail"]
    assert api.post("/api/dr/nothing/here", {}).status_code == 404  # not a CSRF page
    wrong = api.get(f"{BASE}/create")
    assert wrong.status_code == 405 and wrong["Allow"] == "POST" and wrong.json()["detail"]


# Update, updateEntries, updateOrCreate, delete -----------------------------------------------


def test_update_changes_the_one_matching_record(town, api):
    record = create(api, 110)
    response = api.put(f"{BASE}/update", query({"psn": resident(110)["psn"]}, **write({"phone": "+374 91 123456"})))
    assert response.status_code == 200
    assert response.json()["content"] == {**record, "phone": "+374 91 123456"}

    # A record read from the API can be sent back whole, its id included.
    again = api.put(
        f"{BASE}/update", query({"id": record["id"]}, **write({**response.json()["content"], "status": "moved_out"}))
    )
    assert again.status_code == 200 and again.json()["content"]["status"] == "moved_out"

    nobody = api.put(f"{BASE}/update", query({"psn": "9999999999"}, **write({"phone": "+374 91 123456"})))
    assert nobody.status_code == 404 and nobody.json() == {"detail": "no record found"}
    invalid = api.put(f"{BASE}/update", query({"id": record["id"]}, **write({"phone": "call me"})))
    assert invalid.status_code == 400 and list(invalid.json()["errors"]) == ["phone"]
    assert api.put(f"{BASE}/update", write({"phone": "+374 91 123456"})).status_code == 400  # no query
    other_id = api.put(f"{BASE}/update", query({"id": record["id"]}, **write({"id": resident(1)["psn"]})))
    assert other_id.status_code == 400 and "id" in other_id.json()["errors"]

    create(api, 111, last_name="Կրկնյան")
    create(api, 112, last_name="Կրկնյան")
    several = api.put(f"{BASE}/update", query({"last_name": "Կրկնյան"}, **write({"phone": "+374 91 000000"})))
    assert several.status_code == 409 and several.json()["detail"]

    with schema_context(town.schema_name):
        changes = RecordChange.objects.filter(record__uuid=record["id"]).order_by("id")
        assert [c.action for c in changes] == ["create", "update", "update"]
        assert changes[1].changes == {"phone": [None, "+374 91 123456"]} and changes[1].actor == CLIENT
        assert services.records("residents").get(uuid=record["id"]).version == 3


def test_update_entries_changes_every_match_or_none(town, api):
    for n in (120, 121, 122):
        create(api, n, last_name="Խմբյան", patronymic="Ա" if n < 122 else "Բ")
    response = api.put(
        f"{BASE}/updateEntries", query({"last_name": "Խմբյան", "patronymic": "Ա"}, **write({"status": "moved_out"}))
    )
    assert response.status_code == 200 and response.json() == {"count": 2}
    found = api.get(BASE, {"query.last_name": "Խմբյան", "ordering": "psn"}).json()["results"]
    assert [r["status"] for r in found] == ["moved_out", "moved_out", "registered"]

    # A unique value cannot go to two records: nothing is changed.
    refused = api.put(f"{BASE}/updateEntries", query({"last_name": "Խմբյան"}, **write({"psn": "5555555555"})))
    assert refused.status_code == 400 and "psn" in refused.json()["errors"]
    with schema_context(town.schema_name):
        assert not services.matching("residents", {"psn": "5555555555"}).exists()
    none = api.put(f"{BASE}/updateEntries", query({"last_name": "Ոչոքյան"}, **write({"status": "moved_out"})))
    assert none.status_code == 200 and none.json() == {"count": 0}


def test_update_or_create(town, api):
    psn = resident(130)["psn"]
    created = api.post(
        f"{BASE}/updateOrCreate", query({"psn": psn}, **write({k: v for k, v in resident(130).items() if k != "psn"}))
    )
    assert created.status_code == 200 and created.json()["content"]["psn"] == psn
    updated = api.post(f"{BASE}/updateOrCreate", query({"psn": psn}, **write({"phone": "+374 10 555555"})))
    assert updated.status_code == 200
    assert updated.json()["content"] == {**created.json()["content"], "phone": "+374 10 555555"}
    with schema_context(town.schema_name):
        assert services.matching("residents", {"psn": psn}).count() == 1
    invalid = api.post(f"{BASE}/updateOrCreate", query({"psn": resident(131)["psn"]}, **write({"phone": "+374"})))
    assert invalid.status_code == 400 and {"phone", "last_name"} <= set(invalid.json()["errors"])
    unknown_id = api.post(
        f"{BASE}/updateOrCreate", query({"id": "6f1c9a52-0000-4000-8000-000000000000"}, **write(resident(132)))
    )
    assert unknown_id.status_code == 404


def test_delete_answers_204_and_keeps_the_history(town, api):
    record = create(api, 140)
    response = api.delete(f"{BASE}/{record['id']}/delete")
    assert response.status_code == 204 and response.content == b""
    assert api.post(f"{BASE}/read", query({"id": record["id"]})).status_code == 404
    assert api.delete(f"{BASE}/{record['id']}/delete").status_code == 404
    assert api.delete(f"{BASE}/not-a-uuid/delete").status_code == 404
    with schema_context(town.schema_name):
        deleted = RecordChange.objects.filter(record__uuid=record["id"]).latest("id")
        assert deleted.action == "delete" and deleted.actor == CLIENT


def test_read_value_as_json_and_text(api):
    record = create(api, 150, birth_date="1975-01-02")
    url = f"{BASE}/{record['id']}/readValue"
    assert api.get(f"{url}/last_name.json").json() == {"value": "Պետրոսյան"}
    assert api.get(f"{url}/address.json").json()["value"]["street"] == "Բաղրամյան"
    assert api.get(f"{url}/phone.json").json() == {"value": None}
    assert api.get(f"{url}/id.json").json() == {"value": record["id"]}
    text = api.get(f"{url}/address.txt")
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode() == f"Կենտրոն, Բաղրամյան, {150 % 90 + 1}"
    assert api.get(f"{url}/birth_date.txt").content == b"1975-01-02"
    assert api.get(f"{url}/shoe_size.json").status_code == 404
    assert api.get(f"{url}/last_name.xml").status_code == 404
    assert api.get(f"{BASE}/6f1c9a52-0000-4000-8000-000000000000/readValue/last_name.json").status_code == 404


# List ----------------------------------------------------------------------------------------


def test_list_search_filter_query_ordering_and_pages(api):
    people = [
        ("Ցուցակյան", "Լիլիթ", "female", "1990-01-01"),
        ("Ցուցակյան", "Գոռ", "male", "1985-06-30"),
        ("Ցուցակյան", "Անի", "female", "2001-12-12"),
        ("Ցուցակյան", "Արամ", "male", "1979-03-03"),
        ("Ցուցակյան", "Մարիամ", "female", "1995-07-07"),
    ]
    made = [
        create(api, 160 + i, last_name=last, first_name=first, sex=sex, birth_date=born)
        for i, (last, first, sex, born) in enumerate(people)
    ]

    def names(**params):
        response = api.get(BASE, {"query.last_name": "Ցուցակյան", **params})
        assert response.status_code == 200, response.content
        return [r["first_name"] for r in response.json()["results"]]

    assert names() == ["Լիլիթ", "Գոռ", "Անի", "Արամ", "Մարիամ"]  # creation order
    assert names(ordering="descending") == ["Մարիամ", "Արամ", "Անի", "Գոռ", "Լիլիթ"]
    assert names(ordering="birth_date") == ["Արամ", "Գոռ", "Լիլիթ", "Մարիամ", "Անի"]
    assert names(ordering="sex,-birth_date") == ["Անի", "Մարիամ", "Լիլիթ", "Գոռ", "Արամ"]
    assert names(search="ցուցակ ան") == ["Անի"]  # every word, case-folded prefix
    assert names(**{"query.sex": "female"}) == ["Լիլիթ", "Անի", "Մարիամ"]
    assert names(**{"query.sex": "Female"}) == ["Լիլիթ", "Անի", "Մարիամ"]  # cleaned like input
    assert names(filter="first_name", search="ար") == ["Արամ", "Մարիամ"]
    assert names(filter="first_name", search="րամ") == ["Արամ"]
    assert names(filter="sex", search="Male") == ["Գոռ", "Արամ"]
    assert names(filter="phone") == []
    assert names(**{"query.id": made[2]["id"]}) == ["Անի"]

    first = api.get(BASE, {"query.last_name": "Ցուցակյան", "pageSize": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    assert first["next"].startswith("http://") and "page=2" in first["next"]
    last = api.get(BASE, {"query.last_name": "Ցուցակյան", "pageSize": 2, "page": 3}).json()
    assert [r["first_name"] for r in last["results"]] == ["Մարիամ"] and last["next"] is None
    assert "page=2" in last["previous"]
    beyond = api.get(BASE, {"query.last_name": "Ցուցակյան", "pageSize": 2, "page": 9}).json()
    assert beyond["results"] == [] and beyond["count"] == 5 and "page=3" in beyond["previous"]
    follow = api.client.get(first["next"], headers=api.headers).json()
    assert [r["first_name"] for r in follow["results"]] == ["Անի", "Արամ"]

    for params, field in [
        ({"page": "0"}, "page"),
        ({"pageSize": "1000"}, "pageSize"),
        ({"page": "x"}, "page"),
        ({"ordering": "shoe_size"}, "ordering"),
        ({"filter": "shoe_size"}, "filter"),
        ({"query.shoe_size": "44"}, "__all__"),
        ({"filter": "sex", "search": "x"}, "search"),
    ]:
        response = api.get(BASE, params)
        assert response.status_code == 400 and field in response.json()["errors"], params


# Personal data -------------------------------------------------------------------------------


def test_api_reads_of_personal_data_are_logged_and_shown_to_the_person(town, api, client_for):
    record = create(api, 170)
    psn = resident(170)["psn"]
    with schema_context(town.schema_name):
        assert not PersonalDataAccess.objects.filter(person_ids__contains=[psn]).exists()  # create is no read

    api.post(f"{BASE}/read", query({"id": record["id"]}))
    api.get(BASE, {"query.psn": psn})
    api.get(f"{BASE}/{record['id']}/readValue/first_name.json")
    api.post(f"{BASE}/exists", query({"psn": psn}))
    api.post(f"{BASE}/exists", query({"last_name": "Պետրոսյան"}))  # names nobody: not a read of them
    signed_in(client_for, town, "api-secretary@town.test", "secretary").get(
        f"/staff/registers/residents/{record['id']}/"
    )
    with schema_context(town.schema_name):
        entries = PersonalDataAccess.objects.filter(person_ids__contains=[psn]).order_by("id")
        assert [(e.channel, e.actor) for e in entries] == [("api", CLIENT)] * 4 + [("staff", "")]
        # Registers without personal data are not logged.
        before = PersonalDataAccess.objects.count()
    api.get("/api/dr/data/streets/1")
    with schema_context(town.schema_name):
        assert PersonalDataAccess.objects.count() == before

    usage = api.get("/api/dr/data/myPersonalDataUsage", {"userId": psn, "databaseId": "residents"})
    assert usage.status_code == 200
    rows = usage.json()
    assert len(rows) == 5
    staff, api_read = rows[0], rows[-1]
    assert api_read["readerId"] == CLIENT and api_read["readerInstitutionId"] == "eGovStack/GOV/90000009"
    assert api_read["readerApplicationName"] == "digitalregistries"
    assert api_read["refrences"] == [{"ReferenceID": record["id"]}]
    assert api_read["searchDateTime"].endswith("Z") and api_read["id"]
    assert staff["readerId"] == "api-secretary@town.test" and staff["readerInstitutionId"] == str(town.uuid)

    for params in ({"userId": psn}, {"databaseId": "residents"}, {}):
        missing = api.get("/api/dr/data/myPersonalDataUsage", params)
        assert missing.status_code == 400 and missing.json()["detail"]
    for params in ({"userId": "9999999999", "databaseId": "residents"}, {"userId": psn, "databaseId": "streets"}):
        assert api.get("/api/dr/data/myPersonalDataUsage", params).status_code == 404


# Isolation -----------------------------------------------------------------------------------


def test_a_key_or_record_of_one_municipality_gets_nothing_from_another(town, keys, alpha, client_for, api):
    record = create(api, 180)
    elsewhere = client_for(alpha.primary_host)
    assert Api(elsewhere, keys["write"]).get(BASE).status_code == 401
    assert Api(elsewhere, keys["read"]).post(f"{BASE}/read", query({"id": record["id"]})).status_code == 401

    with schema_context(alpha.schema_name):
        alpha_key = apikeys.issue_key("alpha's own", can_write=True)[1]
    theirs = Api(elsewhere, alpha_key)
    assert Api(client_for(town.primary_host), alpha_key).get(BASE).status_code == 401
    assert theirs.post(f"{BASE}/read", query({"id": record["id"]})).status_code == 404
    assert theirs.get(f"{BASE}/{record['id']}/readValue/psn.json").status_code == 404
    assert (
        theirs.put(f"{BASE}/update", query({"id": record["id"]}, **write({"phone": "+374 10 111111"}))).status_code
        == 404
    )
    assert theirs.delete(f"{BASE}/{record['id']}/delete").status_code == 404
    assert theirs.get(BASE, {"query.psn": resident(180)["psn"]}).json()["count"] == 0
    assert (
        theirs.get(
            "/api/dr/data/myPersonalDataUsage", {"userId": resident(180)["psn"], "databaseId": "residents"}
        ).status_code
        == 404
    )
    assert api.post(f"{BASE}/read", query({"id": record["id"]})).status_code == 200  # untouched at home


# Database API --------------------------------------------------------------------------------


def test_database_api_describes_registers_and_refuses_schema_changes(town, api, reader):
    listing = reader.get("/api/dr/databases")
    assert listing.status_code == 200
    body = listing.json()
    assert body["code"] == town.slug and body["id"] == town.pk
    residents = next(d for d in body["databases"] if d["name"] == "residents")
    assert residents["version"] == "1" and residents["description"] == "Residents"
    assert residents["schema"]["properties"]["id"]["primaryKey"] is True
    assert residents["schema"]["properties"]["psn"]["x-personal-data"] is True
    assert "psn" in residents["schema"]["required"] and "phone" not in residents["schema"]["required"]
    assert {"name": "mandatory", "path": "/psn"} in residents["schemaFlags"]
    assert {"name": "personal", "path": "/psn"} in residents["schemaFlags"]
    assert ["psn"] in residents["fieldsUniques"]
    assert residents["schema"]["properties"]["sex"]["enum"] == ["female", "male", None]

    assert reader.get(f"/api/dr/database/{residents['id']}").json() == residents
    assert reader.get("/api/dr/database/residents").json() == residents
    assert reader.get("/api/dr/database/99999").status_code == 404
    assert reader.get("/api/dr/database/99999999999999999999999").status_code == 404
    for response in (
        api.delete(f"/api/dr/database/{residents['id']}"),
        api.post("/api/dr/database/modify", {"code": "residents", "schema": {}}),
    ):
        assert response.status_code == 403 and "template" in response.json()["detail"]
    assert api.get("/api/dr/database/modify").status_code == 405
    with schema_context(town.schema_name):
        assert Register.objects.filter(code="residents").exists()


# OpenAPI -------------------------------------------------------------------------------------


def test_openapi_document_is_valid_and_describes_the_real_fields(town, api, reader, client_for):
    from openapi_schema_validator import OAS30Validator
    from openapi_spec_validator import validate

    assert Api(client_for(town.primary_host), None).get("/api/dr/openapi.json").status_code == 401
    document = reader.get("/api/dr/openapi.json").json()
    validate(document)
    assert document["servers"] == [{"url": f"http://{town.primary_host}/api/dr"}]
    for path in (
        BASE,
        f"{BASE}/create",
        f"{BASE}/exists",
        f"{BASE}/read",
        f"{BASE}/update",
        f"{BASE}/updateEntries",
        f"{BASE}/updateOrCreate",
        f"{BASE}/{{ID}}/delete",
        f"{BASE}/{{uuid}}/readValue/{{field}}.{{ext}}",
        "/api/dr/data/myPersonalDataUsage",
        "/api/dr/databases",
        "/api/dr/database/{id}",
        "/api/dr/database/modify",
    ):
        assert path.removeprefix("/api/dr") in document["paths"], path
    schema = document["components"]["schemas"]["residents"]
    assert schema["properties"]["birth_date"] == {"type": "string", "format": "date", "description": "Date of birth"}
    assert "query.psn" in [p.get("name") for p in document["paths"]["/data/residents/1"]["get"]["parameters"]]

    validator = OAS30Validator(schema)
    for record in (create(api, 190), create(api, 191, sex=None, patronymic=None)):
        assert list(validator.iter_errors(record)) == []
    assert list(validator.iter_errors({**record, "sex": "other"}))  # the schema does check


# The apikey command --------------------------------------------------------------------------


def test_apikey_command_creates_lists_and_revokes(town, client_for, capsys):
    call_command("apikey", "create", "--municipality", town.slug, "--name", "Population registry", "--write")
    out = capsys.readouterr().out
    plaintext = out.strip().splitlines()[-1]
    assert plaintext.startswith("hmk_") and "read and write" in out
    prefix = plaintext.split("_")[1]
    assert Api(client_for(town.primary_host), plaintext).post(f"{BASE}/create", write(resident(195))).status_code == 200

    call_command("apikey", "list", "--municipality", town.slug)
    listed = capsys.readouterr().out
    assert prefix in listed and "Population registry" in listed and plaintext not in listed

    call_command("apikey", "revoke", "--municipality", town.slug, prefix)
    assert Api(client_for(town.primary_host), plaintext).get(BASE).status_code == 401
    call_command("apikey", "list", "--municipality", town.slug)
    assert "revoked" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("apikey", "revoke", "--municipality", town.slug, prefix)
    with pytest.raises(CommandError):
        call_command("apikey", "list", "--municipality", "no-such-town")


def _register(municipality, code):
    with schema_context(municipality.schema_name):
        return Register.objects.get(code=code)
