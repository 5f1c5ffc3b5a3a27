"""JSON Schemas (the OpenAPI 3.0 dialect) of a register's records, made from its field
definitions, so that the OpenAPI document and the database API describe the fields a client
really gets. Empty optional fields are `nullable`: the API shows every field, null when empty."""

from ..fields import PERSONAL_ID_FORMATS

ID_SCHEMA = {
    "type": "string",
    "format": "uuid",
    "readOnly": True,
    "description": "The record's identifier, given by the register",
}


def _string(max_length):
    return {"type": "string", "maxLength": max_length}


def _by_type(spec):
    kind = spec["type"]
    if kind in ("text", "long_text"):
        schema = _string(spec.get("max_length", 255 if kind == "text" else 20000))
        if spec.get("pattern"):
            schema["pattern"] = spec["pattern"]
        return schema
    if kind == "integer":
        schema = {"type": "integer"}
        if "min" in spec:
            schema["minimum"] = spec["min"]
        if "max" in spec:
            schema["maximum"] = spec["max"]
        return schema
    if kind == "decimal":
        # Stored as text so that no digit is lost; a number is accepted on input too.
        return {"type": "string", "format": "decimal", "example": "1250.50"}
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "choice":
        return {"type": "string", "enum": [choice["value"] for choice in spec["choices"]]}
    if kind == "personal_id":
        kinds = spec.get("kinds", ["psn"])
        pattern = "|".join(PERSONAL_ID_FORMATS[k][0].pattern.strip("^$") for k in kinds)
        return {
            "type": "string",
            "pattern": f"^(?:{pattern})$",
            "example": PERSONAL_ID_FORMATS[kinds[0]][1],
            "x-personal-data": True,
        }
    if kind == "reference":
        return {"type": "string", "format": "uuid", "x-register": spec["target"]}
    if kind == "address":
        return {
            "type": "object",
            "required": ["settlement", "street"],
            "additionalProperties": False,
            "properties": {part: _string(150) for part in ("settlement", "street", "building", "apartment")},
        }
    if kind == "point":
        return {
            "type": "object",
            "required": ["lat", "lon"],
            "additionalProperties": False,
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
            },
        }
    # file: shown, never written through the API
    return {
        "type": "object",
        "readOnly": True,
        "properties": {
            "name": {"type": "string"},
            "size": {"type": "integer"},
            "content_type": {"type": "string"},
            "key": {"type": "string"},
        },
    }


def field_schema(field_type):
    schema = {**_by_type(field_type.spec), "description": field_type.label}
    if not field_type.required:
        schema["nullable"] = True
        if "enum" in schema:  # OpenAPI 3.0.3: a nullable enum lists null among its values
            schema["enum"] = [*schema["enum"], None]
    return schema


def record_schema(register, partial=False):
    """The record as the API shows it; `partial` drops `required`, for queries and updates."""
    types = register.field_types
    schema = {
        "type": "object",
        "description": register.name,
        "additionalProperties": False,
        "properties": {"id": ID_SCHEMA, **{code: field_schema(t) for code, t in types.items()}},
    }
    required = [code for code, t in types.items() if t.required]
    if required and not partial:
        schema["required"] = required
    return schema
