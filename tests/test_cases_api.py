"""The GovStack Registration API (/api/registration/): services and e-forms, documents,
applications, tasks and statistics with the spec's paths, bodies and status codes; keys (401,
403) and the mediator header; isolation between municipalities."""

import base64
import datetime
import json
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from django_tenants.utils import schema_context

from tenants.cases import workflow
from tenants.cases.models import Case, CaseEvent, CaseFile
from tenants.catalogue.models import Service
from tenants.registers import apikeys
from tests.conftest import provision_ok
from tests.registers_helpers import staff_user

CLIENT = "eGovStack/GOV/90000009/eregistrations"
BASE = "/api/registration"
PDF = b"%PDF-1.4\n% a scanned passport\n"
RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": {"settlement": "Կենտրոն", "street": "Բաղրամյան", "building": "11", "apartment": "4"},
    "purpose": "Բանկ",
}
YEREVAN = ZoneInfo("Asia/Yerevan")
D = datetime.date


@pytest.fixture(scope="module")
def town():
    return provision_ok()


@pytest.fixture(scope="module")
def keys(town):
    with schema_context(town.schema_name):
        return {
            "read": apikeys.issue_key("portal reader")[1],
            "write": apikeys.issue_key("e-government portal", can_write=True)[1],
        }


class Api:
    """A test client that sends a key, the mediator header and JSON bodies."""

    def __init__(self, client, key, mediator=CLIENT):
        self.client, self.headers = client, {"Accept-Language": "en"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        if mediator:
            self.headers["Information-Mediator-Client"] = mediator

    def get(self, path, params=None):
        return self.client.get(BASE + path, params or {}, headers=self.headers)

    def send(self, method, path, body=None):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(BASE + path, data, content_type="application/json", headers=self.headers)

    def post(self, path, body=None):
        return self.send("post", path, body)

    def put(self, path, body=None):
        return self.send("put", path, body)

    def upload(self, content=PDF, name="passport.pdf"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(BASE + "/documents", {"file": SimpleUploadedFile(name, content)}, headers=self.headers)


@pytest.fixture
def api(town, keys, client_for):
    return Api(client_for(town.primary_host), keys["write"])


@pytest.fixture
def reader(town, keys, client_for):
    return Api(client_for(town.primary_host), keys["read"])


def application(applicant_id="portal-user-42", **overrides):
    body = {
        "applicantId": applicant_id,
        "applicationName": "Անի Պետրոսյան",
        "created": "2026-03-01T08:00:00Z",
        "formData": {"eFormId": "residence_certificate", "data": RESIDENCE},
        "applicant": {"email": "", "phone": "", "language": "hy"},
    }
    body.update(overrides)
    return body


def submit(api, **overrides):
    response = api.post("/services/residence_certificate/applications", application(**overrides))
    assert response.status_code == 200, response.content
    return response.json()


# Services and e-forms -------------------------------------------------------------------------


def test_services_are_listed_and_found_by_their_code(api):
    response = api.get("/services")
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    services = {s["id"]: s for s in response.json()}
    residence = services["residence_certificate"]
    assert residence["name"] == "Certificate of residence" and residence["type"] == "Public"
    assert residence["isExecutable"] is True and services["planning_assignment_4"]["isExecutable"] is False
    assert {"id", "name", "type", "version"} <= set(residence) and residence["version"]
    body = {p["code"]: p["value"] for p in residence["serviceBody"]}
    assert body["eFormId"] == "residence_certificate" and body["termDays"] == "1" and body["online"] == "true"
    assert body["requiredDocument"] == "Identity document"

    assert [s["id"] for s in api.get("/services", {"name": "residence"}).json()] == ["residence_certificate"]
    assert [s["id"] for s in api.get("/services", {"name": "Տեղեկանք հաշվառման"}).json()] == ["residence_certificate"]
    assert api.get("/services", {"name": "nothing like this"}).json() == []
    assert api.get("/services/residence_certificate").json() == residence
    missing = api.get("/services/nonesuch")
    assert missing.status_code == 404 and missing.json()["detail"]


def test_each_service_has_one_eform_with_a_json_schema(api):
    forms = api.get("/services/residence_certificate/eForms").json()
    assert forms == [
        {
            "eFormId": "residence_certificate",
            "name": "Certificate of residence",
            "description": forms[0]["description"],
            "version": forms[0]["version"],
            "latest": True,
        }
    ]
    form = api.get("/eForms/residence_certificate").json()
    schema = form["schema"]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["psn", "last_name", "first_name", "address", "purpose"]
    assert schema["properties"]["psn"]["pattern"] and schema["additionalProperties"] is False
    jsonschema.validate(RESIDENCE, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**RESIDENCE, "psn": 1234567890}, schema)
    optional = api.get("/eForms/property_certificate").json()["schema"]["properties"]["cadastral_code"]
    assert optional["type"] == ["string", "null"]
    assert api.get("/eForms/nonesuch").status_code == 404
    assert api.get("/services/nonesuch/eForms").status_code == 404


# Documents and applications -------------------------------------------------------------------


def test_an_application_with_a_document_is_submitted_read_and_listed(town, api):
    uploaded = api.upload()
    assert uploaded.status_code == 200, uploaded.content
    upload = uploaded.json()
    assert upload["code"] == 200 and upload["type"] == "application/pdf" and upload["message"]
    assert upload["url"].startswith(f"http://{town.primary_host}{BASE}/documents/")

    created = submit(api, documentUrls=[upload["url"]], applicant={"email": "ani@example.am", "language": "en"})
    assert created["serviceId"] == "residence_certificate" and created["serviceName"] == "Certificate of residence"
    assert created["status"] == {"code": "PENDING", "title": "Submitted"} and created["ended"] is False
    data = created["applicationData"]
    assert data["applicantId"] == "portal-user-42" and data["applicationName"] == "Անի Պետրոսյան"
    assert data["created"] == "2026-03-01T08:00:00Z" and data["formData"]["data"] == RESIDENCE
    assert data["applicant"] == {"email": "ani@example.am", "phone": "", "language": "en"}
    assert len(data["documentUrls"]) == 1 and created["registered"].endswith("Z")
    with schema_context(town.schema_name):
        case = Case.objects.get(tracking_code=created["fileId"])
        assert case.channel == "online" and case.applicant_email == "ani@example.am"
        assert case.data["_registration"]["client"] == CLIENT
        assert created["additionalMeta"]["data"]["registrationNumber"] == case.reg_number
        assert list(case.files.values_list("name", "kind")) == [("passport.pdf", CaseFile.Kind.APPLICATION)]

    assert api.get(f"/applications/{created['fileId']}").json() == created
    assert api.get(f"/applications/{created['fileId'].lower()}").status_code == 200
    document = api.client.get(data["documentUrls"][0], headers=api.headers)
    assert document.status_code == 200 and b"".join(document.streaming_content) == PDF

    mine = api.get("/applications", {"applicantId": "portal-user-42"}).json()
    assert [item["fileId"] for item in mine] == [created["fileId"]]
    item = mine[0]
    assert item["mainTaskId"] == created["fileId"] and item["status"]["code"] == "PENDING"
    assert item["eformId"] == "residence_certificate" and "assigneeId" not in item
    assert api.get("/applications", {"serviceId": "mayor_request", "applicantId": "portal-user-42"}).json() == []
    assert api.get("/applications/AAAA-BBBB-CCCC").status_code == 404


def test_the_list_pages_and_sorts(town, api):
    for n in range(3):
        submit(api, applicantId="pager", applicationName=f"Ա{n}")
    everything = api.get("/applications", {"applicantId": "pager"}).json()
    assert [i["additionalMeta"]["data"]["applicationName"] for i in everything] == ["Ա0", "Ա1", "Ա2"]
    second = api.get("/applications", {"applicantId": "pager", "firstResult": 1, "maxResult": 1}).json()
    assert [i["fileId"] for i in second] == [everything[1]["fileId"]]
    backwards = api.get("/applications", {"applicantId": "pager", "sortBy": "name", "sortOrder": "desc"}).json()
    assert [i["fileId"] for i in backwards] == [i["fileId"] for i in reversed(everything)]
    assert api.get("/applications", {"sortBy": "name"}).status_code == 400  # without sortOrder
    assert api.get("/applications", {"sortBy": "colour", "sortOrder": "asc"}).status_code == 400
    assert api.get("/applications", {"maxResult": "-1"}).status_code == 400


def test_invalid_applications_are_400s_with_messages_per_field(town, api):
    with schema_context(town.schema_name):
        before = Case.objects.count()
    bad = api.post(
        "/services/residence_certificate/applications",
        application(
            applicantId="",
            applicationName="",
            formData={"data": {**RESIDENCE, "psn": "12", "shoe_size": 44}},
            applicant={"email": "not an email"},
        ),
    )
    assert bad.status_code == 400 and bad.json()["detail"]
    assert set(bad.json()["errors"]) == {"applicantId", "applicationName", "psn", "__all__", "applicant.email"}
    nameless = api.post("/services/residence_certificate/applications", application(applicationName=" "))
    assert nameless.status_code == 400 and list(nameless.json()["errors"]) == ["applicationName"]
    other_form = api.post(
        "/services/residence_certificate/applications",
        application(formData={"eFormId": "mayor_request", "data": RESIDENCE}),
    )
    assert other_form.status_code == 400 and "formData" in other_form.json()["errors"]
    forged = api.post(
        "/services/residence_certificate/applications",
        application(documentUrls=[f"http://{town.primary_host}{BASE}/documents/forged:token"]),
    )
    assert forged.status_code == 400 and forged.json()["errors"]["documentUrls"]
    plot = {
        "applicant": "«Շին» ՍՊԸ",
        "cadastral_code": "07-001-0001-0001",
        "purpose": "Բնակելի տուն",
        "address": {"settlement": "Կենտրոն", "street": "Մաշտոցի", "building": "3"},
    }
    window_only = api.post(
        "/services/planning_assignment_4/applications",
        application(formData={"eFormId": "planning_assignment_4", "data": plot}),
    )
    assert window_only.status_code == 400 and "online" in window_only.json()["errors"]["__all__"][0]
    assert api.post("/services/residence_certificate/applications", "{not json").status_code == 400
    assert api.post("/services/nonesuch/applications", application()).status_code == 404
    with schema_context(town.schema_name):
        assert Case.objects.count() == before

    assert api.upload(b"MZ\x90\x00 an executable", "scan.pdf").status_code == 400
    assert api.client.post(BASE + "/documents", {}, headers=api.headers).status_code == 400
    encoded = api.client.post(
        BASE + "/documents?additionalMetadata=passport.pdf",
        {"file": base64.b64encode(PDF).decode()},
        headers=api.headers,
    )
    assert encoded.status_code == 200 and encoded.json()["type"] == "application/pdf"


# Keys and the mediator header -----------------------------------------------------------------


def test_keys_are_required_and_a_read_only_key_cannot_write(town, keys, client_for, api, reader):
    client = client_for(town.primary_host)
    for path in ("/services", "/eForms/residence_certificate", "/applications", "/tasks", "/data/statistics"):
        response = Api(client, None).get(path)
        assert response.status_code == 401 and response["WWW-Authenticate"] and response.json()["detail"], path
        assert Api(client, "hmk_nothing_here").get(path).status_code == 401
        assert reader.get(path).status_code == 200, path
    created = submit(api)
    for response in (
        reader.post("/services/residence_certificate/applications", application()),
        reader.upload(),
        reader.put(f"/applications/{created['fileId']}", application()),
        reader.post(f"/tasks/{created['fileId']}.provide_info/complete", {"data": {}}),
    ):
        assert response.status_code == 403 and response.json()["detail"]
    assert reader.get(f"/applications/{created['fileId']}").status_code == 200

    headless = Api(client, keys["write"], mediator=None)
    for response in (
        headless.get("/applications"),
        headless.get(f"/applications/{created['fileId']}"),
        headless.post("/services/residence_certificate/applications", application()),
        headless.get("/data/statistics"),
    ):
        assert response.status_code == 400 and "Information-Mediator-Client" in response.json()["detail"]
    assert headless.get("/services").status_code == 200  # the spec asks for it only where it lists it


def test_unknown_paths_and_wrong_methods_answer_in_json(api):
    missing = api.get("/nothing/here")
    assert missing.status_code == 404 and missing.json()["detail"]
    wrong = api.send("delete", "/services")
    assert wrong.status_code == 405 and wrong["Allow"] == "GET"
    assert api.send("delete", "/applications/AAAA-BBBB-CCCC")["Allow"] == "GET, PUT"


# Tasks: the applicant's steps ------------------------------------------------------------------


def test_a_request_for_information_is_a_task_answered_through_the_api(town, api):
    specialist = staff_user(town, "spec@cases-api.test", "specialist")
    created = submit(api, applicantId="answering")
    file_id = created["fileId"]
    assert api.get("/tasks", {"fileId": file_id}).json() == []
    assert api.put(f"/applications/{file_id}", application("answering")).status_code == 409  # not waiting
    with schema_context(town.schema_name):
        case = Case.objects.get(tracking_code=file_id)
        workflow.apply(case, "accept", user=specialist)
        workflow.apply(case, "request_info", user=specialist, comment="Attach the lease contract")

    tasks = api.get("/tasks", {"assigneeId": "answering"}).json()
    assert [t["taskId"] for t in tasks] == [f"{file_id}.provide_info"]
    task = tasks[0]
    assert task["mainTaskId"] == task["fileId"] == file_id and task["name"] == "Information provided"
    assert task["roleId"] == "applicant" and task["assigneeId"] == "answering"
    assert task["description"] == "Attach the lease contract" and task["status"]["code"] == "SENDBACK"
    detail = api.get(f"/tasks/{file_id}.provide_info").json()
    assert detail["taskName"] == "Information provided" and detail["formVariables"] == RESIDENCE
    assert api.get(f"/applications/{file_id}").json()["status"] == {
        "code": "SENDBACK",
        "title": "More information requested",
    }

    lease = api.upload(name="lease.pdf").json()["url"]
    corrected = {**RESIDENCE, "purpose": "Նոտար"}
    assert api.put(f"/applications/{file_id}", application("someone-else")).status_code == 400
    changed = api.put(
        f"/applications/{file_id}",
        application(
            "answering", documentUrls=[lease], formData={"eFormId": "residence_certificate", "data": corrected}
        ),
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["applicationData"]["formData"]["data"] == corrected
    assert len(changed.json()["applicationData"]["documentUrls"]) == 1
    with schema_context(town.schema_name):
        event = CaseEvent.objects.filter(case__tracking_code=file_id).last()
        assert event.action == "comment" and not event.public and CLIENT in event.comment
        assert list(CaseFile.objects.filter(case__tracking_code=file_id).values_list("kind", flat=True)) == [
            CaseFile.Kind.ANSWER
        ]

    done = api.post(f"/tasks/{file_id}.provide_info/complete", {"data": {"comment": "The lease is attached"}})
    assert done.status_code == 200, done.content
    assert done.json() == {
        "taskId": f"{file_id}.provide_info",
        "fileId": file_id,
        "serviceId": "residence_certificate",
        "status": {"code": "PENDING", "title": "In review"},
        "variables": {"input": {"data": {"comment": "The lease is attached"}}},
    }
    with schema_context(town.schema_name):
        event = CaseEvent.objects.filter(case__tracking_code=file_id).last()
        assert (event.action, event.by_applicant, event.comment) == ("provide_info", True, "The lease is attached")
    assert api.get(f"/tasks/{file_id}.provide_info").status_code == 404
    assert api.post(f"/tasks/{file_id}.provide_info/complete", {"data": {}}).status_code == 404
    assert api.post(f"/tasks/{file_id}.grant/complete", {"data": {}}).status_code == 404  # the office's step
    assert api.get("/tasks", {"fileId": file_id}).json() == []


# Statistics -----------------------------------------------------------------------------------


def test_statistics_count_decisions_and_give_the_key_figures(town, api):
    head = staff_user(town, "head@cases-api.test", "department_head")
    with schema_context(town.schema_name):
        mayor_request = Service.objects.get(code="mayor_request")
        request = {"full_name": "Անի", "subject": "Լույս", "text": "Փողոցի լույսը"}
        moments = [(D(2025, 3, 3), D(2025, 3, 5)), (D(2025, 3, 4), D(2025, 3, 11)), (D(2025, 3, 12), None)]
        cases = []
        for submitted, closed in moments:
            when = datetime.datetime.combine(submitted, datetime.time(10), tzinfo=YEREVAN)
            case = workflow.submit(mayor_request, request, applicant={"name": "Անի"}, channel="online", now=when)
            cases.append((case, closed))
            Case.objects.filter(pk=case.pk).update(due_date=submitted + datetime.timedelta(days=14))
        answered = cases[0][0]
        workflow.apply(answered, "accept", user=head)
        workflow.apply(answered, "answer", user=head, comment="Done")
        Case.objects.filter(pk=answered.pk).update(assigned_to=head)
        for case, closed in cases:
            if closed:
                Case.objects.filter(pk=case.pk).update(
                    closed_at=datetime.datetime.combine(closed, datetime.time(15), tzinfo=YEREVAN)
                )

    march = api.get(
        "/data/statistics", {"startDate": "2025-03-01", "endDate": "2025-03-31", "registrationName": "mayor_request"}
    )
    assert march.status_code == 200, march.content
    [entry] = march.json()
    assert (entry["processed"], entry["approved"], entry["sentBack"], entry["rejected"]) == (1, 1, 0, 0)
    assert (entry["applications"], entry["closed"], entry["medianWorkingDays"]) == (3, 2, 3.5)  # 2 and 5
    assert (entry["overdueShare"], entry["onlineShare"]) == (pytest.approx(1 / 3), 1.0)  # the open one is late
    assert entry["references"] == {
        "registrationName": "mayor_request",
        "startDate": "2025-03-01",
        "endDate": "2025-03-31",
        "timeframeDay": False,
        "timeframeWeek": False,
        "timeframeMonth": False,
        "timeframeYear": False,
    }

    weeks = api.get(
        "/data/statistics",
        {
            "startDate": "2025-03-01",
            "endDate": "2025-03-31",
            "timeframe": "week",
            "registrationName": "Request or complaint to the mayor",
        },
    ).json()
    assert [(w["references"]["startDate"], w["references"]["endDate"], w["applications"]) for w in weeks] == [
        ("2025-03-01", "2025-03-02", 0),
        ("2025-03-03", "2025-03-09", 2),
        ("2025-03-10", "2025-03-16", 1),
        ("2025-03-17", "2025-03-23", 0),
        ("2025-03-24", "2025-03-30", 0),
        ("2025-03-31", "2025-03-31", 0),
    ]
    assert weeks[1]["references"]["timeframeWeek"] is True and weeks[0]["medianWorkingDays"] is None
    by_head = api.get(
        "/data/statistics", {"startDate": "2025-03-01", "endDate": "2025-03-31", "operator": "head@cases-api.test"}
    ).json()
    by_role = api.get(
        "/data/statistics", {"startDate": "2025-03-01", "endDate": "2025-03-31", "role": "department_head"}
    ).json()
    assert by_head[0]["applications"] == by_role[0]["applications"] == 1

    for params in (
        {"startDate": "2025-02-30"},
        {"startDate": "2025-04-01", "endDate": "2025-03-01"},
        {"timeframe": "fortnight"},
        {"startDate": "1900-01-01"},
    ):
        assert api.get("/data/statistics", params).status_code == 400, params
    assert api.get("/data/statistics", {"registrationName": "MCTS"}).status_code == 404


# Isolation ------------------------------------------------------------------------------------


def test_one_municipalitys_applications_keys_and_documents_mean_nothing_to_another(town, keys, alpha, client_for, api):
    created = submit(api, applicantId="isolated", documentUrls=[api.upload().json()["url"]])
    with schema_context(alpha.schema_name):
        alpha_key = apikeys.issue_key("alpha portal", can_write=True)[1]
    theirs = Api(client_for(alpha.primary_host), alpha_key)
    assert Api(client_for(alpha.primary_host), keys["write"]).get("/services").status_code == 401
    assert Api(client_for(town.primary_host), alpha_key).get("/services").status_code == 401
    assert theirs.get(f"/applications/{created['fileId']}").status_code == 404
    assert theirs.get("/applications", {"applicantId": "isolated"}).json() == []
    assert theirs.get("/tasks", {"fileId": created["fileId"]}).json() == []
    document = created["applicationData"]["documentUrls"][0].replace(town.primary_host, alpha.primary_host)
    assert theirs.client.get(document, headers=theirs.headers).status_code == 404
    refused = theirs.post(
        "/services/residence_certificate/applications",
        application(documentUrls=created["applicationData"]["documentUrls"]),
    )
    assert refused.status_code == 400 and refused.json()["errors"]["documentUrls"]
    assert theirs.post(f"/tasks/{created['fileId']}.provide_info/complete", {"data": {}}).status_code == 404
    with schema_context(alpha.schema_name):
        assert not Case.objects.filter(tracking_code=created["fileId"]).exists()
