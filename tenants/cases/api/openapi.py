"""/api/registration/openapi.json: an OpenAPI 3 document of the GovStack Registration API (0.1.1)
and its statistics API as this municipality serves them. The paths, bodies, status codes and
headers are the specs'; the schemas describe what the views really send (a value the spec types
as a string is never null here), the server is the municipality's own host, the key is the
security scheme and errors are the `{"detail", "errors"}` body both APIs send. The choices where
the spec is ambiguous or followed loosely are in docs/cases-api.md."""

from django.db import connection

from hamaynk import openapi as oas
from hamaynk.api import json_response
from tenants.catalogue.models import Service

from .common import MAX_PAGE, SORTS, endpoint

ref, param, json_content = oas.ref, oas.param, oas.json_content
STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
ANY = {"description": "Any JSON value"}
# name: (status, description)
RESPONSES = {
    "Invalid": ("400", "The request or its content is not valid (messages per field in `errors`)"),
    "Unauthorized": ("401", "No valid API key in the Authorization header"),
    "Forbidden": ("403", "The API key may only read"),
    "NotFound": ("404", "No such service, e-form, application, document or task"),
    "Conflict": ("409", "The application is not waiting for the applicant"),
    "TooLarge": ("413", "The body is larger than the server accepts"),
}
READ = ("Invalid", "Unauthorized")
WRITE = ("Invalid", "Unauthorized", "Forbidden", "TooLarge")


def _object(properties, required=()):
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _array(items):
    return {"type": "array", "items": items}


STATUS = _object(
    {"code": {"type": "string", "enum": ["PENDING", "APPROVED", "SENDBACK", "REJECTED"]}, "title": STRING},
    required=["code", "title"],
)
# What the spec has no field for; the spec types additionalData.data's values as objects, these
# are plain values (docs/cases-api.md).
META = _object(
    {
        "data": _object(
            {
                "registrationNumber": STRING,
                "applicationName": STRING,
                "state": STRING,
                "channel": {"type": "string", "enum": ["online", "window"]},
                "dueDate": DATE,
                "decision": {
                    "type": "string",
                    "enum": ["granted", "refused", None],
                    "nullable": True,
                    "description": "null until the office decides",
                },
            },
            required=["registrationNumber", "applicationName", "state", "channel", "dueDate", "decision"],
        )
    },
    required=["data"],
)
FORM_DATA = _object(
    {
        "eFormId": {"type": "string", "description": "The service's form: its code"},
        "data": {
            "type": "object",
            "additionalProperties": ANY,
            "description": "The form's fields by code, as the e-form's `schema` describes them",
        },
    }
)
APPLICANT = _object({"email": STRING, "phone": STRING, "language": {"type": "string", "enum": ["hy", "en", "ru"]}})

SCHEMAS = {
    "service": _object(
        {
            "id": {"type": "string", "description": "The service's code in the catalogue"},
            "name": STRING,
            "version": STRING,
            "type": {"type": "string", "enum": ["None", "Private", "Public"]},
            "isExecutable": {"type": "boolean"},
            "isClosed": {"type": "boolean"},
            "description": STRING,
            "serviceBody": ref("ListOfProperties"),
        },
        required=["id", "name", "type", "version", "isExecutable", "isClosed", "description", "serviceBody"],
    ),
    "ListOfProperties": _array(_object({"code": STRING, "value": STRING}, required=["code", "value"])),
    "EFormListItem": _object(
        {"eFormId": STRING, "name": STRING, "description": STRING, "version": STRING, "latest": {"type": "boolean"}},
        required=["eFormId", "name", "description", "version", "latest"],
    ),
    "EForm": {"allOf": [ref("EFormListItem"), _object({"schema": ref("EFormSchema")}, required=["schema"])]},
    "EFormSchema": {
        "type": "object",
        "additionalProperties": True,
        "description": "A JSON Schema (draft 2020-12) of formData.data",
    },
    "formData": FORM_DATA,
    "documentUrls": _array(STRING),
    "applicant": APPLICANT,
    "applicationFileSubmit": _object(
        {
            "applicationName": {"type": "string", "minLength": 1, "description": "The applicant's name"},
            "applicantId": {
                "type": "string",
                "minLength": 1,
                "description": "The calling system's identifier of the applicant",
            },
            "created": DATE_TIME,
            "formData": ref("formData"),
            "documentUrls": ref("documentUrls"),
            "applicant": ref("applicant"),
        },
        required=["applicantId", "applicationName"],
    ),
    "applicationData": _object(
        {
            "applicationName": STRING,
            "applicantId": {"type": "string", "description": "Empty for applications registered at the window"},
            "created": DATE_TIME,
            "formData": ref("formData"),
            "documentUrls": ref("documentUrls"),
            "applicant": ref("applicant"),
        },
        required=["applicationName", "applicantId", "created", "formData", "documentUrls", "applicant"],
    ),
    "applicationFileResponse": _object(
        {
            "fileId": {"type": "string", "description": "The application's tracking code"},
            "registered": DATE_TIME,
            "serviceId": STRING,
            "serviceName": STRING,
            "status": ref("statusModel"),
            "ended": {"type": "boolean"},
            "applicantId": {"type": "string", "description": "As in applicationData (the spec requires it here)"},
            "applicationData": ref("applicationData"),
            "additionalMeta": ref("additionalMeta"),
        },
        required=[
            "fileId",
            "registered",
            "serviceId",
            "serviceName",
            "status",
            "ended",
            "applicantId",
            "applicationData",
            "additionalMeta",
        ],
    ),
    "additionalMeta": META,
    "statusModel": STATUS,
    "applicantApplicationFileListResponse": _object(
        {
            "fileId": STRING,
            "mainTaskId": STRING,
            "taskTitle": STRING,
            "assigneeId": {"type": "string", "description": "Username of the staff member assigned; absent when none"},
            "operatorName": {"type": "string", "description": "Absent when no one is assigned"},
            "status": ref("statusModel"),
            "applicantId": STRING,
            "created": DATE_TIME,
            "registered": DATE_TIME,
            "serviceName": STRING,
            "serviceId": STRING,
            "eformId": STRING,
            "documentUrls": ref("documentUrls"),
            "additionalMeta": ref("additionalMeta"),
        },
        required=[
            "fileId",
            "mainTaskId",
            "taskTitle",
            "status",
            "applicantId",
            "created",
            "registered",
            "serviceName",
            "serviceId",
            "eformId",
            "documentUrls",
            "additionalMeta",
        ],
    ),
    "uploadResponse": _object(
        {"code": {"type": "integer", "format": "int32"}, "type": STRING, "message": STRING, "url": STRING},
        required=["code", "type", "message", "url"],
    ),
    "completeTask": _object(
        {"data": _object({"comment": {"type": "string", "description": "The applicant's message to the office"}})}
    ),
    "completedTaskResponse": _object(
        {
            "taskId": STRING,
            "fileId": STRING,
            "serviceId": STRING,
            "status": ref("statusModel"),
            "variables": _object({"input": _object({"data": {"type": "object", "additionalProperties": ANY}})}),
        },
        required=["taskId", "fileId", "serviceId", "status", "variables"],
    ),
    "userTaskResponse": _object(
        {
            "taskId": STRING,
            "mainTaskId": STRING,
            "name": STRING,
            "assigneeId": {
                "type": "string",
                "description": "The applicant's applicantId; absent for an application registered at the window",
            },
            "roleId": {"type": "string", "enum": ["applicant"]},
            "created": DATE_TIME,
            "description": STRING,
            "serviceId": STRING,
            "serviceName": STRING,
            "fileId": STRING,
            "eFormId": STRING,
            "status": ref("statusModel"),
        },
        required=[
            "taskId",
            "mainTaskId",
            "name",
            "roleId",
            "created",
            "description",
            "serviceId",
            "serviceName",
            "fileId",
            "eFormId",
            "status",
        ],
    ),
    "dataUserTaskResponse": _object(
        {
            "taskId": STRING,
            "taskName": STRING,
            "assigneeId": STRING,
            "roleId": {"type": "string", "enum": ["applicant"]},
            "created": DATE_TIME,
            "description": STRING,
            "fileId": STRING,
            "serviceId": STRING,
            "serviceName": STRING,
            "eFormId": STRING,
            "formVariables": {"type": "object", "additionalProperties": ANY},
            "status": ref("statusModel"),
            "data": _object(
                {"registrationNumber": STRING, "dueDate": DATE, "commentRequired": {"type": "boolean"}},
                required=["registrationNumber", "dueDate", "commentRequired"],
            ),
        },
        required=[
            "taskId",
            "taskName",
            "roleId",
            "created",
            "description",
            "fileId",
            "serviceId",
            "serviceName",
            "eFormId",
            "formVariables",
            "status",
            "data",
        ],
    ),
    "statistics": _object(
        {
            "processed": {"type": "integer", "minimum": 0},
            "approved": {"type": "integer", "minimum": 0},
            "sentBack": {"type": "integer", "minimum": 0},
            "rejected": {"type": "integer", "minimum": 0},
            "applications": {"type": "integer", "minimum": 0},
            "closed": {"type": "integer", "minimum": 0},
            "medianWorkingDays": {"type": "number", "nullable": True, "description": "null while none is closed"},
            "p90WorkingDays": {"type": "number", "nullable": True, "description": "null while none is closed"},
            "overdueShare": {"type": "number", "nullable": True, "minimum": 0, "maximum": 1},
            "onlineShare": {"type": "number", "nullable": True, "minimum": 0, "maximum": 1},
            "references": ref("statisticsReferences"),
        },
        required=["processed", "approved", "sentBack", "rejected", "references"],
    ),
    "statisticsReferences": _object(
        {
            "startDate": DATE,
            "endDate": DATE,
            "registrationName": STRING,
            "operator": STRING,
            "role": STRING,
            "timeframeDay": {"type": "boolean"},
            "timeframeWeek": {"type": "boolean"},
            "timeframeMonth": {"type": "boolean"},
            "timeframeYear": {"type": "boolean"},
        },
        required=["startDate", "endDate", "timeframeDay", "timeframeWeek", "timeframeMonth", "timeframeYear"],
    ),
}

PARAMETERS = {
    "firstResult": param(
        "firstResult", "query", {"type": "integer", "minimum": 0, "default": 0}, "Index of the first result, from 0"
    ),
    "maxResult": param(
        "maxResult",
        "query",
        {"type": "integer", "minimum": 0, "default": 100},
        f"How many results at most (100 unless asked; more than {MAX_PAGE} gives {MAX_PAGE})",
    ),
    "sortBy": param("sortBy", "query", {"type": "string", "enum": list(SORTS)}, "Must be used together with sortOrder"),
    "sortOrder": param(
        "sortOrder", "query", {"type": "string", "enum": ["asc", "desc"]}, "Must be used together with sortBy"
    ),
}
PAGING = [ref(name, "parameters") for name in ("firstResult", "maxResult", "sortBy", "sortOrder")]


def _errors(*names):
    return oas.errors_of(RESPONSES, *names)


def _operation(operation_id, summary, ok, errors, parameters=(), body=None, mediator=False):
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [oas.MEDIATOR, *parameters] if mediator else list(parameters),
        "responses": {**ok, **_errors(*errors)},
    }
    if body:
        operation["requestBody"] = body
    return operation


def _ok(schema, description="OK"):
    return {"200": json_content(schema, description)}


def _json_body(schema, description=""):
    return {"required": True, **json_content(schema, description)}


def _service_code(name, codes):
    """A path parameter naming an offered service by its code: the codes of this municipality's
    catalogue, so a client (or a fuzzer) sees which exist."""
    schema = {"type": "string", "enum": codes} if codes else STRING
    return param(name, "path", schema, "An offered service's code in the catalogue (not a uuid)")


def paths(codes):
    service_id = ref("serviceId", "parameters")
    file_id = param("fileId", "path", STRING, "The application's tracking code (case-insensitive)")
    task_id = param("taskId", "path", STRING, "<fileId>.<step code>")
    submission = _json_body(ref("applicationFileSubmit"), "The application file")
    upload = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": _object(
                    {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "One document (PDF, PNG, JPEG or an office document, at most 10 MB); "
                            "base64 text is accepted too",
                        }
                    },
                    required=["file"],
                )
            }
        },
    }
    return {
        "/services": {
            "get": _operation(
                "getServiceList",
                "The services offered",
                _ok(_array(ref("service"))),
                READ,
                [param("name", "query", STRING, "Part of the name in any language, case-insensitive")],
            )
        },
        "/services/{serviceId}": {
            "get": _operation("getService", "One service", _ok(ref("service")), (*READ, "NotFound"), [service_id])
        },
        "/services/{serviceId}/eForms": {
            "get": _operation(
                "getServiceSchemaByServiceKey",
                "The service's e-form (one)",
                _ok(_array(ref("EFormListItem"))),
                (*READ, "NotFound"),
                [service_id],
            )
        },
        "/eForms/{eFormId}": {
            "get": _operation(
                "getEForm",
                "An e-form with its JSON Schema",
                _ok(ref("EForm")),
                (*READ, "NotFound"),
                [_service_code("eFormId", codes)],
            )
        },
        "/services/{serviceId}/applications": {
            "post": _operation(
                "submitApplication",
                "Submit an application for the applicant",
                _ok(ref("applicationFileResponse"), "The application file, registered"),
                (*WRITE, "NotFound"),
                [service_id],
                body=submission,
                mediator=True,
            )
        },
        "/documents": {
            "post": _operation(
                "uploadFile",
                "Upload a document; its URL goes into an application's documentUrls",
                _ok(ref("uploadResponse")),
                WRITE,
                [param("additionalMetadata", "query", STRING, "The file name of a base64 part")],
                body=upload,
            )
        },
        "/documents/{documentId}": {
            "get": _operation(
                "getDocument",
                "Download a document by the URL the upload gave",
                {
                    "200": {
                        "description": "The document, in its own content type",
                        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                    }
                },
                (*READ, "NotFound"),
                [param("documentId", "path", STRING)],
            )
        },
        "/applications": {
            "get": _operation(
                "getApplicantFileList",
                "Applications",
                _ok(_array(ref("applicantApplicationFileListResponse"))),
                READ,
                [
                    param("serviceId", "query", STRING, "A service's code"),
                    param("applicantId", "query", STRING, "The applicant's id given at submission"),
                    *PAGING,
                ],
                mediator=True,
            )
        },
        "/applications/{fileId}": {
            "get": _operation(
                "getApplicationFileById",
                "One application",
                _ok(ref("applicationFileResponse")),
                (*READ, "NotFound"),
                [file_id],
                mediator=True,
            ),
            "put": _operation(
                "updateApplicationFileForm",
                "The applicant's correction while the application waits for them",
                _ok(ref("applicationFileResponse")),
                (*WRITE, "NotFound", "Conflict"),
                [file_id],
                body=submission,
                mediator=True,
            ),
        },
        "/tasks": {
            "get": _operation(
                "getTasks",
                "The applicant's pending steps",
                _ok(_array(ref("userTaskResponse"))),
                READ,
                [
                    param("mainTaskId", "query", STRING, "An application's fileId"),
                    param("fileId", "query", STRING, "An application's fileId"),
                    param("assigneeId", "query", STRING, "The applicant's applicantId"),
                    *PAGING,
                ],
            )
        },
        "/tasks/{taskId}": {
            "get": _operation(
                "getTaskById",
                "One step, with the application's data",
                _ok(ref("dataUserTaskResponse")),
                (*READ, "NotFound"),
                [task_id],
            )
        },
        "/tasks/{taskId}/complete": {
            "post": _operation(
                "completeTaskById",
                "Take the step for the applicant",
                _ok(ref("completedTaskResponse")),
                (*WRITE, "NotFound"),
                [task_id],
                body=_json_body(ref("completeTask")),
            )
        },
        "/data/statistics": {
            "get": _operation(
                "Statistics",
                "Counts and key figures of the applications submitted in a period",
                _ok(_array(ref("statistics"))),
                (*READ, "NotFound"),
                [
                    param("startDate", "query", DATE, "Submission date from (included)"),
                    param("endDate", "query", DATE, "Submission date to (included); today by default"),
                    param("registrationName", "query", STRING, "A service's code or name"),
                    param("operator", "query", STRING, "The assigned staff member's username or full name"),
                    param("role", "query", STRING, "The code of a role of the assigned staff member"),
                    param(
                        "timeframe",
                        "query",
                        {"type": "string", "enum": ["day", "week", "month", "year"]},
                        "One entry per period",
                    ),
                ],
                mediator=True,
            )
        },
    }


def document(request):
    codes = list(Service.objects.filter(is_active=True).order_by("code").values_list("code", flat=True))
    return oas.document(
        title=f"{connection.tenant.name}: GovStack Registration API",
        version="0.1.1",
        description="Services, e-forms, documents, applications, tasks and statistics of the municipality's "
        "Citizen Service Office. See docs/cases-api.md for the choices made where the GovStack "
        "specification leaves room.",
        server=request.build_absolute_uri("/api/registration"),
        paths=paths(codes),
        schemas=SCHEMAS,
        responses=RESPONSES,
        parameters={"serviceId": _service_code("serviceId", codes), **PARAMETERS},
    )


@endpoint("GET")
def openapi(request):
    """Needs a key (any), like every endpoint of the API; not the mediator header."""
    return json_response(document(request))
