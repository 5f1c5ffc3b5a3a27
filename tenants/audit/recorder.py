"""Writing audit entries.

An entry is written in the same transaction as the change it describes: if the change is rolled
back, so is its entry, and a change cannot be saved without one. Entries about the platform's
own models (municipalities, domains) go to the public schema even when the connection is inside
a municipality at that moment (the provisioning pipeline does that); every other entry goes to
the schema the change was made in.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from .context import current_actor

TABLE = "audit_entry"
_COLUMNS = (
    "at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "address",
    "object_type",
    "object_id",
    "object_label",
    "action",
    "changes",
)


def object_type(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


def schema_for(model):
    """The public schema for models only the public schema has; else the connection's schema."""
    app = model._meta.app_config.name
    if app in settings.SHARED_APPS and app not in settings.TENANT_APPS:
        return "public"
    return connection.schema_name


def default_label(obj):
    """The label a watched model gives its objects (see tracking.WATCHED), else str()."""
    if obj is None:
        return ""
    from .tracking import label_for

    return label_for(obj)


def record(obj, action, changes=None, *, label=None, model=None, object_id=None):
    """Appends one entry about `obj` (or about `model`/`object_id` when the object is gone)."""
    model = model or type(obj)
    if object_id is None:
        object_id = "" if obj is None or obj.pk is None else str(obj.pk)
    if label is None:
        label = default_label(obj)
    actor = current_actor()
    values = (
        timezone.now(),
        actor.kind,
        actor.user_id,
        actor.label[:254],
        actor.address,
        object_type(model),
        object_id[:64],
        label[:300],
        action,
        json.dumps(changes or {}, cls=DjangoJSONEncoder, ensure_ascii=False),
    )
    schema = connection.ops.quote_name(schema_for(model))
    placeholders = ", ".join(["%s"] * (len(_COLUMNS) - 1) + ["%s::jsonb"])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {schema}.{TABLE} ({', '.join(_COLUMNS)}) VALUES ({placeholders})", values)
