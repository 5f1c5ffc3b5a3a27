"""The GovStack Digital Registries database API: each register is a "database", the
municipality is the group of databases. Registers are defined by the municipality's template
(see docs/templates.md), so the schema-changing operations are refused with 403 rather than
letting an API client change what a template upgrade would overwrite."""

from django.db import connection
from django.utils.translation import gettext as _

from hamaynk.api import ApiError, json_response

from ..models import Register
from .common import endpoint, not_found
from .schemas import ID_SCHEMA, field_schema

SERVICES = (
    "data-list",
    "data-create",
    "data-exists",
    "data-read",
    "data-update",
    "data-update-entries",
    "data-update-or-create",
    "data-delete",
    "data-read-value",
)
FLAGS = ("required", "unique", "personal", "public")
FLAG_NAMES = {"required": "mandatory"}


def database_info(register):
    types = register.field_types
    properties = {"id": {**ID_SCHEMA, "primaryKey": True}}
    properties.update({code: field_schema(t) for code, t in types.items()})
    for number, schema in enumerate(properties.values(), start=1):
        schema["id"] = number
    return {
        "id": register.pk,
        "version": register.version,
        "name": register.code,
        "description": register.name,
        "institution": connection.tenant.name,
        "schema": {
            "type": "object",
            "properties": properties,
            "required": [code for code, t in types.items() if t.required],
        },
        "schemaTags": [
            {"name": t.label, "path": f"/{code}", "isFulltext": True} for code, t in types.items() if t.searchable
        ],
        "schemaFlags": [
            {"name": FLAG_NAMES.get(flag, flag), "path": f"/{code}"}
            for code, t in types.items()
            for flag in FLAGS
            if getattr(t, flag) and (flag != "public" or register.is_public)
        ],
        "fieldsUniques": [[code] for code, t in types.items() if t.unique],
        "isDraft": False,
        "isDisabled": False,
        "isArchived": False,
        "genericServices": [
            {"serviceId": number, "name": name, "isVisible": True} for number, name in enumerate(SERVICES, start=1)
        ],
    }


def _refused():
    return ApiError(
        403, _("Registers are defined by the municipality's template; they cannot be changed through the API.")
    )


@endpoint("GET")
def databases(request):
    municipality = connection.tenant
    return json_response(
        {
            "id": municipality.pk,
            "name": municipality.name,
            "code": municipality.slug,
            "databases": [database_info(r) for r in Register.objects.all()],
        }
    )


@endpoint("GET", "DELETE")
def database(request, database_id):
    """`id` is the register's number from /databases, or its code (the same in every
    municipality made from one template)."""
    lookup = {"pk": int(database_id)} if database_id.isdigit() else {"code": database_id}
    register = Register.objects.filter(**lookup).first()
    if register is None:
        raise not_found(_("No such database."))
    if request.method == "DELETE":
        raise _refused()
    return json_response(database_info(register))


@endpoint("POST")
def modify(request):
    raise _refused()
