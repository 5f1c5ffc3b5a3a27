"""The Registration API's OpenAPI document (/api/registration/openapi.json): valid OpenAPI 3, the
GovStack specs' paths, status codes and headers, the municipality's own server, answers that
conform to it, no null where the spec types a string (both APIs), and every problem of a
submission reported at once."""

import pytest
from django_tenants.utils import schema_context

from tenants.cases import workflow
from tenants.cases.models import Case
from tenants.catalogue.models import Service
from tenants.registers import apikeys
from tests.conftest import provision_ok
from tests.openapi_helpers import conformance_errors, resolve, response_schema, spec, string_nulls
from tests.registers_helpers import resident, staff_user

CLIENT = "eGovStack/GOV/90000009/eregistrations"
RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": {"settlement": "Կենտրոն", "street": "Բաղրամյան", "building": "11"},
    "purpose": "Բանկ",
}
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def town():
    return provision_ok()


@pytest.fixture(scope="module")
def key(town):
    with schema_context(town.schema_name):
        return apikeys.issue_key("openapi reader and writer", can_write=True)[1]


@pytest.fixture
def api(town, key, client_for):
    client = client_for(town.primary_host)
    headers = {"Authorization": f"Bearer {key}", "Information-Mediator-Client": CLIENT, "Accept-Language": "en"}

    class Api:
        def get(self, path, params=None):
            return client.get(path, params or {}, headers=headers)

        def post(self, path, body):
            return client.post(path, body, content_type="application/json", headers=headers)

    return Api()


@pytest.fixture
def document(api):
    response = api.get("/api/registration/openapi.json")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_document_is_valid_openapi_with_the_specs_paths_codes_and_headers(town, document, client_for):
    from openapi_spec_validator import validate

    validate(document)
    assert client_for(town.primary_host).get("/api/registration/openapi.json").status_code == 401
    assert document["servers"] == [{"url": f"http://{town.primary_host}/api/registration"}]
    assert document["security"] == [{"apiKey": []}]
    assert document["components"]["securitySchemes"]["apiKey"] == {
        **document["components"]["securitySchemes"]["apiKey"],
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
    }
    assert document["components"]["schemas"]["Error"]["required"] == ["detail"]

    for spec_document in (spec("registration-api-0.1.1.json"), spec("registration-statistics-api.json")):
        for path, operations in spec_document["paths"].items():
            assert path in document["paths"], path
            for method, operation in operations.items():
                ours = document["paths"][path].get(method)
                assert ours is not None, (method, path)
                # Every status the spec names, except 500 (an error of ours is not part of the contract).
                assert set(operation["responses"]) - {"500"} <= set(ours["responses"]), (method, path)
                spec_headers = {
                    resolve(spec_document, p)["name"]
                    for p in operation.get("parameters", [])
                    if resolve(spec_document, p)["in"] == "header"
                }
                our_headers = {
                    resolve(document, p)["name"]
                    for p in ours["parameters"]
                    if resolve(document, p)["in"] == "header" and resolve(document, p)["required"]
                }
                assert spec_headers == our_headers, (method, path)
                spec_query = {
                    resolve(spec_document, p)["name"]
                    for p in operation.get("parameters", [])
                    if resolve(spec_document, p)["in"] == "query"
                }
                our_query = {
                    resolve(document, p)["name"] for p in ours["parameters"] if resolve(document, p)["in"] == "query"
                }
                assert spec_query <= our_query, (method, path)
                assert ("requestBody" in operation) == ("requestBody" in ours), (method, path)
                for status in set(ours["responses"]) - {"200"}:
                    error = resolve(document, ours["responses"][status])
                    assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_each_municipality_documents_its_own_host(alpha, beta, client_for):
    def fetch(municipality):
        with schema_context(municipality.schema_name):
            plaintext = apikeys.issue_key("openapi isolation")[1]
        response = client_for(municipality.primary_host).get(
            "/api/registration/openapi.json", headers={"Authorization": plaintext}
        )
        assert response.status_code == 200
        return response.json(), plaintext

    alphas, alpha_key = fetch(alpha)
    betas, _beta_key = fetch(beta)
    assert alphas["servers"] == [{"url": "http://alpha.localhost/api/registration"}]
    assert betas["servers"] == [{"url": "http://beta.localhost/api/registration"}]
    assert "beta" not in str(alphas["servers"]) + alphas["info"]["title"]
    assert alpha.name in alphas["info"]["title"] and beta.name in betas["info"]["title"]
    # alpha's key opens nothing of beta's, the document included
    assert (
        client_for(beta.primary_host)
        .get("/api/registration/openapi.json", headers={"Authorization": alpha_key})
        .status_code
        == 401
    )


def _window_application(town):
    """An application registered at the window (no applicantId), waiting for the applicant."""
    specialist = staff_user(town, "openapi-spec@cases.test", "specialist")
    with schema_context(town.schema_name):
        service = Service.objects.get(code="residence_certificate")
        case = workflow.submit(service, RESIDENCE, applicant={"name": "Արամ Պետրոսյան"}, channel="window")
        workflow.apply(case, "accept", user=specialist)
        workflow.apply(case, "request_info", user=specialist, comment="Bring the passport")
        return case.tracking_code


def test_answers_conform_to_the_document_and_the_spec_never_gets_a_null_string(town, api, document):
    govstack = spec("registration-api-0.1.1.json")
    window = _window_application(town)
    submitted = api.post(
        "/api/registration/services/residence_certificate/applications",
        {
            "applicantId": "portal-user-7",
            "applicationName": "Անի Պետրոսյան",
            "created": "2026-03-01T12:00:00+04:00",
            "formData": {"eFormId": "residence_certificate", "data": RESIDENCE},
        },
    )
    assert submitted.status_code == 200, submitted.content
    # the client's time is kept as an instant in UTC
    assert submitted.json()["applicationData"]["created"] == "2026-03-01T08:00:00Z"
    assert submitted.json()["applicantId"] == "portal-user-7"

    calls = [
        ("/services", "get", "/services", {}),
        ("/services/{serviceId}", "get", "/services/residence_certificate", {}),
        ("/services/{serviceId}/eForms", "get", "/services/residence_certificate/eForms", {}),
        ("/eForms/{eFormId}", "get", "/eForms/residence_certificate", {}),
        ("/applications", "get", "/applications", {}),
        ("/applications/{fileId}", "get", f"/applications/{window}", {}),
        ("/applications/{fileId}", "get", f"/applications/{submitted.json()['fileId']}", {}),
        ("/tasks", "get", "/tasks", {}),
        ("/tasks/{taskId}", "get", f"/tasks/{window}.provide_info", {}),
        ("/data/statistics", "get", "/data/statistics", {"timeframe": "month"}),
    ]
    for path, method, url, params in calls:
        response = api.get(f"/api/registration{url}", params)
        assert response.status_code == 200, (url, response.content)
        body = response.json()
        assert conformance_errors(document, response_schema(document, path, method), body) == [], url
        assert string_nulls(document, response_schema(document, path, method), body) == [], url
        if path in govstack["paths"]:
            assert string_nulls(govstack, response_schema(govstack, path, method), body) == [], url

    listed = {item["fileId"]: item for item in api.get("/api/registration/applications").json()}
    assert listed[window]["applicantId"] == "" and "assigneeId" not in listed[window]
    window_file = api.get(f"/api/registration/applications/{window}").json()
    assert window_file["applicantId"] == window_file["applicationData"]["applicantId"] == ""
    task = api.get(f"/api/registration/tasks/{window}.provide_info").json()
    assert "assigneeId" not in task and task["description"] == "Bring the passport"

    missing = api.get("/api/registration/applications/AAAA-BBBB-CCCC")
    assert missing.status_code == 404
    error_schema = response_schema(document, "/applications/{fileId}", "get", "404")
    assert conformance_errors(document, error_schema, missing.json()) == []


def test_the_registers_api_never_sends_null_where_its_document_says_string(town, key, client_for):
    from tests.test_registers_api import write

    client = client_for(town.primary_host)
    headers = {"Authorization": key, "Information-Mediator-Client": CLIENT}
    created = client.post(
        "/api/dr/data/residents/1/create",
        write(resident(301, patronymic=None, sex=None)),
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 200, created.content
    document = client.get("/api/dr/openapi.json", headers=headers).json()
    for path, url in (
        ("/data/residents/1", "/api/dr/data/residents/1"),
        ("/databases", "/api/dr/databases"),
        ("/database/{id}", "/api/dr/database/residents"),
    ):
        body = client.get(url, headers=headers).json()
        schema = response_schema(document, path, "get")
        assert conformance_errors(document, schema, body) == [], url
        assert string_nulls(document, schema, body) == [], url
    # the walker does find a null where a string is due
    residents = document["components"]["schemas"]["residents"]
    assert string_nulls(document, residents, {**created.json()["content"], "psn": None}) == ["$.psn"]


def test_a_submission_reports_every_problem_at_once(town, api):
    with schema_context(town.schema_name):
        before = Case.objects.count()
    response = api.post(
        "/api/registration/services/planning_assignment_4/applications",
        {
            "applicantId": " ",
            "created": "2026-03-01T10:00:00+99:00",
            "formData": {"eFormId": "planning_assignment_4", "data": {"cadastral_code": "nonsense", "shoe_size": 44}},
            "documentUrls": [f"http://{town.primary_host}/api/registration/documents/forged", 7],
            "applicant": {"email": "not an email", "language": "fr"},
        },
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert set(errors) >= {
        "applicantId",
        "applicationName",
        "created",
        "__all__",
        "documentUrls",
        "applicant.email",
        "applicant.language",
        "applicant",
        "purpose",
        "address",
    }
    assert len(errors["__all__"]) == 2  # not online, and an unknown field
    assert len(errors["documentUrls"]) == 2
    with schema_context(town.schema_name):
        assert Case.objects.count() == before
