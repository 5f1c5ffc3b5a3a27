"""The `registers` section of a template: register definitions with typed fields and the
roles' permissions on each."""

from tenants.accounts.models import Role
from tenants.i18n_schema import CODE, TRANSLATED_TEXT, translated

from .fields import PERSONAL_ID_FORMATS, TYPES
from .models import Register, RegisterPermission

FIELD = {
    "type": "object",
    "properties": {
        "code": CODE,
        "type": {"enum": sorted(TYPES)},
        "name": TRANSLATED_TEXT,
        "help": TRANSLATED_TEXT,
        "required": {"type": "boolean"},
        "unique": {"type": "boolean"},
        "public": {"type": "boolean"},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 100000},
        "pattern": {"type": "string"},
        "pattern_message": TRANSLATED_TEXT,
        "min": {"type": "number"},
        "max": {"type": "number"},
        "decimal_places": {"type": "integer", "minimum": 0, "maximum": 10},
        "not_in_future": {"type": "boolean"},
        "choices": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {"value": CODE, "name": TRANSLATED_TEXT},
                "required": ["value", "name"],
                "additionalProperties": False,
            },
        },
        "target": CODE,
        "kinds": {"type": "array", "minItems": 1, "items": {"enum": sorted(PERSONAL_ID_FORMATS)}},
    },
    "required": ["code", "type", "name"],
    "additionalProperties": False,
    "allOf": [
        {"if": {"properties": {"type": {"const": "choice"}}}, "then": {"required": ["choices"]}},
        {"if": {"properties": {"type": {"const": "reference"}}}, "then": {"required": ["target"]}},
    ],
}

SCHEMA = {
    "type": "object",
    "properties": {
        "registers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": CODE,
                    "version": {"type": "string", "pattern": r"^\d+(\.\d+)*$"},
                    "name": TRANSLATED_TEXT,
                    "public": {"type": "boolean"},
                    "public_when": CODE,
                    "title": {"type": "array", "items": CODE, "minItems": 1},
                    "list": {"type": "array", "items": CODE, "minItems": 1},
                    "reason_required": {"type": "array", "items": CODE},
                    "permissions": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "array",
                            "items": {"enum": ["view", "edit", "import", "export"]},
                        },
                    },
                    "fields": {"type": "array", "minItems": 1, "items": FIELD},
                },
                "required": ["code", "version", "name", "title", "list", "fields"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["registers"],
    "additionalProperties": False,
}


def check(data, sections):
    problems = []
    codes = [r["code"] for r in data["registers"]]
    roles = {r["code"] for r in (sections.get("accounts") or {}).get("roles", [])}
    for index, register in enumerate(data["registers"]):
        where = f"registers[{index}]"
        if codes.count(register["code"]) > 1:
            problems.append((f"{where}.code", f"duplicate register code {register['code']!r}"))
        fields = [f["code"] for f in register["fields"]]
        for code in {c for c in fields if fields.count(c) > 1}:
            problems.append((f"{where}.fields", f"duplicate field code {code!r}"))
        if register.get("public_when") and register["public_when"] not in [
            f["code"] for f in register["fields"] if f["type"] == "boolean"
        ]:
            problems.append((f"{where}.public_when", "must name a boolean field of the register"))
        for key in ("title", "list"):
            for code in register[key]:
                if code not in fields:
                    problems.append((f"{where}.{key}", f"no field named {code!r}"))
        for f_index, spec in enumerate(register["fields"]):
            if spec["type"] == "reference" and spec["target"] not in codes:
                problems.append((f"{where}.fields[{f_index}].target", f"no register named {spec['target']!r}"))
            if spec.get("unique") and spec["type"] in ("boolean", "file", "point", "long_text"):
                problems.append((f"{where}.fields[{f_index}].unique", f"a {spec['type']} field cannot be unique"))
            if spec["type"] == "personal_id" and spec.get("public"):
                problems.append((f"{where}.fields[{f_index}].public", "personal identifiers are never public"))
        for role in list(register.get("permissions", {})) + register.get("reason_required", []):
            if role not in roles:
                problems.append((f"{where}.permissions", f"no role named {role!r} in accounts.yaml"))
    return problems


def load(data, context):
    roles = {r.code: r for r in Role.objects.all()}
    for position, spec in enumerate(data["registers"]):
        register, _created = Register.objects.update_or_create(
            code=spec["code"],
            defaults={
                "version": spec["version"],
                "is_public": spec.get("public", False),
                "fields": spec["fields"],
                "list_fields": spec["list"],
                "title_fields": spec["title"],
                "reason_required_roles": spec.get("reason_required", []),
                "position": position,
                "public_when": spec.get("public_when", ""),
                **translated(spec["name"]),
            },
        )
        RegisterPermission.objects.filter(register=register).delete()
        RegisterPermission.objects.bulk_create(
            [
                RegisterPermission(register=register, role=roles[role], **{f"can_{a}": True for a in actions})
                for role, actions in spec.get("permissions", {}).items()
            ]
        )
