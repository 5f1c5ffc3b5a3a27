"""Checking API answers against OpenAPI documents: the document's own schemas (the answer
conforms) and the GovStack specs' schemas (no null where the spec types a plain string)."""

import json
from pathlib import Path

import yaml

from tests import services

SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "specs" / "govstack"


def spec(name):
    """A GovStack specification file, kept beside the repository (shared/specs/govstack)."""
    path = SPECS / name
    services.require(path.exists(), f"The GovStack specification {path}")
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)


def resolve(document, schema):
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def response_schema(document, path, method, status="200"):
    response = resolve(document, document["paths"][path][method]["responses"][status])
    content = response["content"]
    return next(iter(content.values()))["schema"]


def conformance_errors(document, schema, value):
    """What in `value` breaks `schema` (an OpenAPI 3.0 schema of `document`)."""
    from openapi_schema_validator import OAS30Validator

    validator = OAS30Validator({**schema, "components": document["components"]})
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(value)]


def string_nulls(document, schema, value, where="$"):
    """The places where `value` holds null and `schema` says a plain string (not nullable)."""
    schema = resolve(document, schema or {})
    found = []
    for part in schema.get("allOf", []):
        found += string_nulls(document, part, value, where)
    if value is None:
        if schema.get("type") == "string" and not schema.get("nullable"):
            found.append(where)
    elif isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                found += string_nulls(document, sub, item, f"{where}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found += string_nulls(document, schema["items"], item, f"{where}[{index}]")
    return found
