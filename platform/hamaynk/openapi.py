"""Building blocks of the OpenAPI 3 documents each municipality serves for its APIs (the
registers' GovStack Digital Registries API and the GovStack Registration API). Both APIs share
their keys, their error body and their Information Mediator header, so their documents describe
those once, here, and a client reads the same components in both."""

from hamaynk.api import MEDIATOR_HEADER

OPENAPI_VERSION = "3.0.3"
MEDIATOR = {"$ref": f"#/components/parameters/{MEDIATOR_HEADER}"}

# The body of every error either API sends: a message, and for invalid content the messages per
# field ("__all__" for the content as a whole).
ERROR = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": 'Messages per field; "__all__" for the whole content',
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

SECURITY_SCHEMES = {
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'The municipality\'s API key (hmk_…), alone or after "Bearer "; a key of another '
        "municipality is unknown here",
    }
}


def ref(name, kind="schemas"):
    return {"$ref": f"#/components/{kind}/{name}"}


def json_content(schema, description=""):
    """A response (or body) whose JSON is described by `schema`."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def param(name, where, schema, description="", required=False):
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


def mediator_parameter():
    return param(
        MEDIATOR_HEADER,
        "header",
        {"type": "string", "minLength": 1, "maxLength": 300},
        "The calling system, INSTANCE/CLASS/MEMBER/SUBSYSTEM; recorded in history and access logs",
        required=True,
    )


def error_responses(responses):
    """components.responses for {name: (status, description)}: each an Error body."""
    return {name: json_content(ref("Error"), text) for name, (_status, text) in responses.items()}


def errors_of(responses, *names):
    """An operation's error responses, as references to `responses` ({name: (status, text)})."""
    return {responses[name][0]: ref(name, "responses") for name in names}


# Every operation of both APIs counts its key's requests (hamaynk.throttle).
RATE_LIMITED = {
    "description": "Too many requests with this key; try again after Retry-After seconds",
    "headers": {
        "Retry-After": {
            "description": "Seconds until the key may ask again",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {"application/json": {"schema": ref("Error")}},
}


def document(*, title, version, description, server, paths, schemas, responses, parameters=None):
    """The whole document: the municipality's own server, its key as the security scheme, the
    shared Error body beside the API's own schemas, and the key's rate limit (429) on every
    operation."""
    for operations in paths.values():
        for operation in operations.values():
            operation["responses"]["429"] = ref("TooManyRequests", "responses")
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": server}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": SECURITY_SCHEMES,
            "parameters": {MEDIATOR_HEADER: mediator_parameter(), **(parameters or {})},
            "responses": {**error_responses(responses), "TooManyRequests": RATE_LIMITED},
            "schemas": {"Error": ERROR, **schemas},
        },
    }
