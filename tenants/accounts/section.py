"""The `accounts` section of a template: the municipality's roles and their permissions."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from hamaynk.modules import all_permissions
from tenants.i18n_schema import CODE, TRANSLATED_TEXT, translated

from .models import Role

SCHEMA = {
    "type": "object",
    "properties": {
        "roles": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "code": CODE,
                    "name": TRANSLATED_TEXT,
                    "description": TRANSLATED_TEXT,
                    "administrator": {"type": "boolean"},
                    "two_factor": {"type": "boolean"},
                    "permissions": {
                        "type": "array",
                        "items": {"type": "string", "pattern": r"^(\*|[a-z_]+\.[a-z_]+)$"},
                    },
                },
                "required": ["code", "name", "permissions"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["roles"],
    "additionalProperties": False,
}


def check(data, template):
    """Problems JSON Schema cannot see: duplicate codes, unknown permissions, no administrator."""
    problems = []
    known = all_permissions()
    seen = set()
    for index, role in enumerate(data.get("roles", [])):
        if role["code"] in seen:
            problems.append((f"roles[{index}].code", f"duplicate role code {role['code']!r}"))
        seen.add(role["code"])
        for p_index, permission in enumerate(role["permissions"]):
            if permission != "*" and permission not in known:
                problems.append((f"roles[{index}].permissions[{p_index}]", f"unknown permission {permission!r}"))
    administrators = [r for r in data.get("roles", []) if r.get("administrator")]
    if len(administrators) != 1:
        problems.append(("roles", "exactly one role must be marked administrator: true"))
    return problems


def load(data, context):
    """Creates every role with its group and permissions; running it twice changes nothing."""
    permissions = _permissions_by_name()
    for position, spec in enumerate(data["roles"]):
        group, _created = Group.objects.get_or_create(name=spec["code"])
        Role.objects.update_or_create(
            code=spec["code"],
            defaults={
                "group": group,
                "position": position,
                "is_administrator": spec.get("administrator", False),
                "two_factor": spec.get("two_factor", False),
                **translated(spec["name"]),
                **translated(spec.get("description", {"hy": "", "en": "", "ru": ""}), "description"),
            },
        )
        wanted = spec["permissions"]
        chosen = permissions.values() if "*" in wanted else [permissions[name] for name in wanted]
        group.permissions.set(chosen)


def _permissions_by_name():
    names = all_permissions()
    labels = {name.split(".")[0] for name in names}
    query = Permission.objects.select_related("content_type").filter(Q(content_type__app_label__in=labels))
    found = {f"{p.content_type.app_label}.{p.codename}": p for p in query}
    return {name: found[name] for name in names if name in found}
