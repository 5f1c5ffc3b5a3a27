"""Services and their e-forms. A service's id is its code, the same in every municipality made
from one template; each service has one form, whose eFormId is the service's code too. Versions
are fingerprints of the definition, so a client that cached a form sees when it changed."""

import hashlib
import json

from django.db.models import Q
from django.utils.translation import get_language

from hamaynk.api import json_response
from tenants.catalogue.models import Service
from tenants.registers.api.schemas import field_schema

from .common import endpoint, service_or_404

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def fingerprint(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def service_info(service):
    return {
        "id": service.code,
        "name": service.name,
        "version": fingerprint(
            [
                service.form,
                service.workflow,
                service.documents,
                service.fee_amd,
                service.term_days,
                service.term_kind,
                service.online,
                service.at_window,
            ]
        ),
        "type": "Public",
        "isExecutable": service.online,
        "isClosed": False,
        "description": service.description,
        "serviceBody": _properties(service),
    }


def _properties(service):
    """The service's facts as the spec's code/value list (values are strings)."""
    lang = (get_language() or "hy")[:2]
    facts = [
        ("classifier", service.classifier),
        ("feeAmd", service.fee_amd),
        ("termDays", service.term_days),
        ("termKind", service.term_kind),
        ("online", service.online),
        ("atWindow", service.at_window),
        ("eFormId", service.code),
    ]
    if service.department:
        facts.append(("department", service.department.name))
    facts += [
        (
            "requiredDocument" if document.get("mandatory") else "optionalDocument",
            document["name"].get(lang) or document["name"]["hy"],
        )
        for document in service.documents
    ]
    return [
        {"code": code, "value": json.dumps(value) if isinstance(value, bool) else str(value)} for code, value in facts
    ]


def eform_info(service):
    return {
        "eFormId": service.code,
        "name": service.name,
        "description": service.description,
        "version": fingerprint(service.form),
        "latest": True,
    }


def form_schema(service):
    """The form as a JSON Schema (draft 2020-12) of formData.data, made from the field
    definitions the way the registers API describes records; an optional field may be null."""
    properties = {}
    for code, field_type in service.form_fields.items():
        schema = field_schema(field_type)
        if schema.pop("nullable", False):
            schema["type"] = [schema["type"], "null"]
        properties[code] = schema
    return {
        "$schema": JSON_SCHEMA,
        "title": service.name,
        "type": "object",
        "properties": properties,
        "required": [code for code, field_type in service.form_fields.items() if field_type.required],
        "additionalProperties": False,
    }


def _offered():
    return Service.objects.filter(is_active=True).select_related("department")


@endpoint("GET")
def service_list(request):
    """Every offered service; `name` keeps those whose name, in any language, contains it."""
    services = _offered()
    name = request.GET.get("name", "").strip()
    if name:
        services = services.filter(Q(name_hy__icontains=name) | Q(name_en__icontains=name) | Q(name_ru__icontains=name))
    return json_response([service_info(service) for service in services])


@endpoint("GET")
def service_detail(request, service_id):
    return json_response(service_info(service_or_404(service_id)))


@endpoint("GET")
def eform_list(request, service_id):
    return json_response([eform_info(service_or_404(service_id))])


@endpoint("GET")
def eform_detail(request, eform_id):
    service = service_or_404(eform_id)
    return json_response({**eform_info(service), "schema": form_schema(service)})
