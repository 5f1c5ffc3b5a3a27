"""/api/dr/openapi.json: an OpenAPI 3 document of what this municipality serves, made from its
registers' field definitions. The GovStack spec describes one example registry; here every
register gets its own paths, schemas and `query.<field>` parameters, so a client (or a code
generator) sees the real fields."""

from django.db import connection

from hamaynk import openapi as oas
from hamaynk.api import json_response

from ..models import Register
from .common import endpoint
from .listing import MAX_PAGE_SIZE, PAGE_SIZE
from .schemas import record_schema

MEDIATOR = oas.MEDIATOR
# name: (status, description)
RESPONSES = {
    "Invalid": ("400", "The request or its content is not valid (messages per field in `errors`)"),
    "Unauthorized": ("401", "No valid API key in the Authorization header"),
    "Forbidden": ("403", "The API key may only read, or the operation is refused"),
    "NotFound": ("404", "No such register, version, record or field"),
    "Conflict": ("409", "The query matches more than one record"),
}
PERSONAL_DATA_USAGE = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "readerId": {"type": "string"},
        "readerInitials": {"type": "string"},
        "readerInstitutionId": {"type": "string"},
        "readerInstitutionName": {"type": "string"},
        "readerApplicationName": {"type": "string"},
        "searchDateTime": {"type": "string", "format": "date-time"},
        "refrences": {"type": "array", "items": {"type": "object", "properties": {"ReferenceID": {"type": "string"}}}},
    },
}

_ref, _json, _param = oas.ref, oas.json_content, oas.param


def _errors(*names):
    return oas.errors_of(RESPONSES, *names)


def _body(**parts):
    """A request body {part: {"content": schema}} for the parts given."""
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": list(parts),
                    "properties": {
                        part: {"type": "object", "required": ["content"], "properties": {"content": schema}}
                        for part, schema in parts.items()
                    },
                }
            }
        },
    }


def _operation(operation_id, summary, responses, parameters=(), body=None):
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [MEDIATOR, *parameters],
        "responses": responses,
    }
    if body:
        operation["requestBody"] = body
    return operation


def register_paths(register):
    code, full, partial = register.code, _ref(register.code), _ref(f"{register.code}_partial")
    fields = list(register.field_types)
    base = f"/data/{code}/{register.version}"
    content = _json({"type": "object", "properties": {"content": full}})
    read_errors = _errors("Invalid", "Unauthorized", "NotFound")
    write_errors = _errors("Invalid", "Unauthorized", "Forbidden", "NotFound")
    list_parameters = [
        _param("search", "query", {"type": "string"}, "Words the records contain (prefix match of each word)"),
        _param("filter", "query", {"type": "string", "enum": fields}, "The field `search` looks in"),
        _param(
            "ordering",
            "query",
            {"type": "string"},
            "ascending or descending (creation order), or field codes separated by commas, - for descending",
        ),
        _param("page", "query", {"type": "integer", "minimum": 1, "default": 1}),
        _param("pageSize", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": PAGE_SIZE}),
        *(_param(f"query.{field}", "query", {"type": "string"}, "Exact value") for field in ["id", *fields]),
    ]
    page = {
        "type": "object",
        "required": ["count", "results"],
        "properties": {
            "count": {"type": "integer"},
            "next": {"type": "string", "format": "uri", "nullable": True},
            "previous": {"type": "string", "format": "uri", "nullable": True},
            "results": {"type": "array", "items": full},
        },
    }
    answer = {
        "type": "object",
        "required": ["answer"],
        "properties": {
            "answer": {
                "type": "object",
                "required": ["status"],
                "properties": {"status": {"type": "boolean"}, "message": {"type": "string"}},
            }
        },
    }
    record_id = _param("ID", "path", {"type": "string", "format": "uuid"})
    return {
        base: {"get": _operation(f"{code}_list", f"List {code}", {"200": _json(page), **read_errors}, list_parameters)},
        f"{base}/create": {
            "post": _operation(
                f"{code}_create", f"Create a record in {code}", {"200": content, **write_errors}, body=_body(write=full)
            )
        },
        f"{base}/exists": {
            "post": _operation(
                f"{code}_exists",
                f"Whether {code} has a matching record",
                {"200": _json(answer), **read_errors},
                body=_body(query=partial),
            )
        },
        f"{base}/read": {
            "post": _operation(
                f"{code}_read",
                f"Read the first matching record of {code}",
                {"200": content, **read_errors},
                body=_body(query=partial),
            )
        },
        f"{base}/update": {
            "put": _operation(
                f"{code}_update",
                f"Update the one matching record of {code}",
                {"200": content, **write_errors, **_errors("Conflict")},
                body=_body(query=partial, write=partial),
            )
        },
        f"{base}/updateEntries": {
            "put": _operation(
                f"{code}_updateEntries",
                f"Update every matching record of {code}",
                {"200": _json({"type": "object", "properties": {"count": {"type": "integer"}}}), **write_errors},
                body=_body(query=partial, write=partial),
            )
        },
        f"{base}/updateOrCreate": {
            "post": _operation(
                f"{code}_updateOrCreate",
                f"Update the matching record of {code}, or create one",
                {"200": content, **write_errors, **_errors("Conflict")},
                body=_body(query=partial, write=partial),
            )
        },
        f"{base}/{{ID}}/delete": {
            "delete": _operation(
                f"{code}_delete",
                f"Delete a record of {code}",
                {"204": {"description": "Deleted"}, **write_errors},
                [record_id],
            )
        },
        f"{base}/{{uuid}}/readValue/{{field}}.{{ext}}": {
            "get": _operation(
                f"{code}_readValue",
                f"Read one field of a record of {code}",
                {
                    "200": {
                        "description": "",
                        "content": {
                            "application/json": {"schema": {"type": "object", "properties": {"value": {}}}},
                            "text/plain": {"schema": {"type": "string"}},
                        },
                    },
                    **read_errors,
                },
                [
                    _param("uuid", "path", {"type": "string", "format": "uuid"}),
                    _param("field", "path", {"type": "string", "enum": ["id", *fields]}),
                    _param("ext", "path", {"type": "string", "enum": ["json", "txt"]}),
                ],
            )
        },
    }


def common_paths():
    database_id = _param("id", "path", {"type": "string"}, "The register's number or code")
    return {
        "/data/myPersonalDataUsage": {
            "get": _operation(
                "myPersonalDataUsage",
                "Who has read a person's data in a register",
                {
                    "200": _json({"type": "array", "items": _ref("PersonalDataUsage")}),
                    **_errors("Invalid", "Unauthorized", "NotFound"),
                },
                [
                    _param("userId", "query", {"type": "string"}, "The person's identifier", required=True),
                    _param("databaseId", "query", {"type": "string"}, "The register's code", required=True),
                ],
            )
        },
        "/databases": {
            "get": _operation(
                "databases",
                "Every register and its schema",
                {"200": _json({"type": "object"}), **_errors("Invalid", "Unauthorized")},
            )
        },
        "/database/{id}": {
            "get": _operation(
                "database",
                "One register and its schema",
                {"200": _json({"type": "object"}), **_errors("Invalid", "Unauthorized", "NotFound")},
                [database_id],
            ),
            "delete": _operation(
                "databaseDelete",
                "Refused: registers are defined by the template",
                _errors("Invalid", "Unauthorized", "Forbidden", "NotFound"),
                [database_id],
            ),
        },
        "/database/modify": {
            "post": _operation(
                "databaseModify",
                "Refused: registers are defined by the template",
                _errors("Invalid", "Unauthorized", "Forbidden"),
            )
        },
    }


def document(request):
    municipality = connection.tenant
    schemas = {"PersonalDataUsage": PERSONAL_DATA_USAGE}
    paths = {}
    for register in Register.objects.all():
        schemas[register.code] = record_schema(register)
        schemas[f"{register.code}_partial"] = record_schema(register, partial=True)
        paths.update(register_paths(register))
    paths.update(common_paths())
    return oas.document(
        title=f"{municipality.name}: GovStack Digital Registries API",
        version="1.3.0",
        description="The registers of the municipality. See docs/api.md for the choices made where the "
        "GovStack specification leaves room.",
        server=request.build_absolute_uri("/api/dr"),
        paths=paths,
        schemas=schemas,
        responses=RESPONSES,
    )


@endpoint("GET", mediator=False)
def openapi(request):
    """Needs a key (any), not the mediator header: it lists registers that are not public."""
    return json_response(document(request))
