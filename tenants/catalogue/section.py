"""The `catalogue` section: workflows (states, transitions, roles, which states pause the
clock) and the services that use them."""

import re

from tenants.i18n_schema import CODE, TRANSLATED_TEXT, translated
from tenants.profile.models import Department
from tenants.registers.section import FIELD

from .models import Service

STATE = {
    "type": "object",
    "properties": {
        "code": CODE,
        "name": TRANSLATED_TEXT,
        "public": {"type": "boolean"},  # shown to the applicant and on the tracking page
        "pauses": {"type": "boolean"},  # waiting for the applicant: the clock stops
        "final": {"type": "boolean"},
        "limit_days": {"type": "integer", "minimum": 1},  # time limit for this state
    },
    "required": ["code", "name"],
    "additionalProperties": False,
}
TRANSITION = {
    "type": "object",
    "properties": {
        "code": CODE,
        "name": TRANSLATED_TEXT,
        "from": {"type": "array", "items": CODE, "minItems": 1},
        "to": CODE,
        "roles": {"type": "array", "items": CODE, "minItems": 1},
        "comment_required": {"type": "boolean"},
        "decision": {"enum": ["granted", "refused"]},
        "output": {"type": "boolean"},  # produces the output document
    },
    "required": ["code", "name", "from", "to", "roles"],
    "additionalProperties": False,
}
WORKFLOW = {
    "type": "object",
    "properties": {
        "initial": CODE,
        "states": {"type": "array", "items": STATE, "minItems": 2},
        "transitions": {"type": "array", "items": TRANSITION, "minItems": 1},
    },
    "required": ["initial", "states", "transitions"],
    "additionalProperties": False,
}
SERVICE = {
    "type": "object",
    "properties": {
        "code": CODE,
        "classifier": {"type": "string", "minLength": 1, "maxLength": 30},
        "name": TRANSLATED_TEXT,
        "description": TRANSLATED_TEXT,
        "applicants": TRANSLATED_TEXT,
        "documents": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": TRANSLATED_TEXT, "mandatory": {"type": "boolean"}},
                "required": ["name"],
                "additionalProperties": False,
            },
        },
        "fee": {"type": "integer", "minimum": 0},
        "term": {
            "type": "object",
            "properties": {
                "days": {"type": "integer", "minimum": 1, "maximum": 365},
                "kind": {"enum": ["working", "calendar"]},
            },
            "required": ["days"],
            "additionalProperties": False,
        },
        "channels": {"type": "array", "items": {"enum": ["online", "window"]}, "minItems": 1, "uniqueItems": True},
        "department": CODE,
        "workflow": CODE,
        "form": {"type": "array", "items": FIELD},
        "prefill": {
            "type": "object",
            "properties": {
                "register": CODE,
                "match": {"type": "object", "additionalProperties": CODE},
                "fields": {"type": "object", "additionalProperties": CODE},
            },
            "required": ["register", "match", "fields"],
            "additionalProperties": False,
        },
        "output": {
            "type": "object",
            "properties": {"title": TRANSLATED_TEXT, "body": TRANSLATED_TEXT},
            "required": ["title", "body"],
            "additionalProperties": False,
        },
        "locked": {"type": "array", "items": {"enum": ["fee", "term", "texts", "channels"]}},
        "record": {
            "type": "object",
            "properties": {
                "register": CODE,
                "when": {"enum": ["granted", "refused"]},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1},
            },
            "required": ["register", "when", "fields"],
            "additionalProperties": False,
        },
    },
    "required": [
        "code",
        "classifier",
        "name",
        "description",
        "fee",
        "term",
        "channels",
        "department",
        "workflow",
        "form",
        "output",
    ],
    "additionalProperties": False,
}
SCHEMA = {
    "type": "object",
    "properties": {
        "workflows": {"type": "object", "additionalProperties": WORKFLOW, "minProperties": 1},
        "services": {"type": "array", "items": SERVICE, "minItems": 1},
    },
    "required": ["workflows", "services"],
    "additionalProperties": False,
}

# The permission that opens applications (declared by the cases module).
READ_CASES = "cases.view_case"


def check(data, sections):
    problems = []
    roles = {r["code"] for r in (sections.get("accounts") or {}).get("roles", [])} | {"applicant"}
    # A role that acts in a workflow must be able to open the application it acts on.
    readers = {
        r["code"]
        for r in (sections.get("accounts") or {}).get("roles", [])
        if {"*", READ_CASES} & set(r.get("permissions", []))
    } | {"applicant"}
    departments = {d["code"] for d in (sections.get("profile") or {}).get("departments", [])}
    registers = {r["code"]: r for r in (sections.get("registers") or {}).get("registers", [])}
    for name, workflow in data["workflows"].items():
        where = f"workflows.{name}"
        states = [s["code"] for s in workflow["states"]]
        if workflow["initial"] not in states:
            problems.append((f"{where}.initial", f"no state named {workflow['initial']!r}"))
        for index, transition in enumerate(workflow["transitions"]):
            for state in transition["from"] + [transition["to"]]:
                if state not in states:
                    problems.append((f"{where}.transitions[{index}]", f"no state named {state!r}"))
            for role in transition["roles"]:
                if role not in roles:
                    problems.append((f"{where}.transitions[{index}].roles", f"no role named {role!r}"))
                elif role not in readers:
                    problems.append(
                        (
                            f"{where}.transitions[{index}].roles",
                            f"role {role!r} acts here but cannot read applications ({READ_CASES})",
                        )
                    )
        finals = [s for s in workflow["states"] if s.get("final")]
        if not finals:
            problems.append((where, "a workflow needs at least one final state"))
    codes = [s["code"] for s in data["services"]]
    for index, service in enumerate(data["services"]):
        where = f"services[{index}]"
        if codes.count(service["code"]) > 1:
            problems.append((f"{where}.code", f"duplicate service code {service['code']!r}"))
        if service["workflow"] not in data["workflows"]:
            problems.append((f"{where}.workflow", f"no workflow named {service['workflow']!r}"))
        if departments and service["department"] not in departments:
            problems.append((f"{where}.department", f"no department named {service['department']!r}"))
        fields = [f["code"] for f in service["form"]]
        prefill = service.get("prefill")
        if prefill:
            register = registers.get(prefill["register"])
            if register is None:
                problems.append((f"{where}.prefill.register", f"no register named {prefill['register']!r}"))
            else:
                register_fields = {f["code"] for f in register["fields"]}
                for form_field, register_field in list(prefill["match"].items()) + list(prefill["fields"].items()):
                    if form_field not in fields:
                        problems.append((f"{where}.prefill", f"the form has no field {form_field!r}"))
                    if register_field not in register_fields:
                        problems.append(
                            (f"{where}.prefill", f"register {register['code']!r} has no field {register_field!r}")
                        )
        record = service.get("record")
        if record:
            register = registers.get(record["register"])
            if register is None:
                problems.append((f"{where}.record.register", f"no register named {record['register']!r}"))
            else:
                register_fields = {f["code"] for f in register["fields"]}
                for target, template in record["fields"].items():
                    if target not in register_fields:
                        problems.append(
                            (f"{where}.record.fields", f"register {register['code']!r} has no field {target!r}")
                        )
                    for name in re.findall(r"\{(\w+)\}", template):
                        if name not in fields and name not in RECORD_VALUES:
                            problems.append((f"{where}.record.fields.{target}", f"no form field {name!r}"))
    return problems


# What a decision's register record may name besides the form's fields.
RECORD_VALUES = ("reg_number", "decided_on", "applicant_name")


def load(data, context):
    departments = {d.code: d for d in Department.objects.all()}
    for position, spec in enumerate(data["services"]):
        Service.objects.update_or_create(
            code=spec["code"],
            defaults={
                "classifier": spec["classifier"],
                "position": position,
                **translated(spec["name"]),
                **translated(spec["description"], "description"),
                **translated(spec.get("applicants", {"hy": "", "en": "", "ru": ""}), "applicants"),
                "fee_amd": spec["fee"],
                "term_days": spec["term"]["days"],
                "term_kind": spec["term"].get("kind", "working"),
                "online": "online" in spec["channels"],
                "at_window": "window" in spec["channels"],
                "department": departments.get(spec["department"]),
                "documents": spec.get("documents", []),
                "form": spec["form"],
                "workflow": data["workflows"][spec["workflow"]],
                "output": spec["output"],
                "prefill": spec.get("prefill", {}),
                "locked": spec.get("locked", []),
                "record": spec.get("record", {}),
            },
        )
