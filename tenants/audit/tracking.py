"""What the audit trail watches, and the signal handlers that record it.

Each watched model names the fields whose changes are recorded. Everything else is left out on
purpose: password hashes, API key hashes, one-time-password secrets and bookkeeping columns
(last sign-in, last use of a key) are never copied into an entry. A changed password is
recorded as the fact that it changed, without any value.

Signals catch every save, delete and many-to-many change made through the ORM, whoever makes it
(the staff pages, Wagtail's user admin, provisioning, the command line). Bulk `update()` and raw
SQL bypass signals: code that changes a watched model that way must call `recorder.record`
itself (see tenants.registers.apikeys.revoke).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.hashers import is_password_usable
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .models import Entry
from .recorder import record

A = Entry.Action


@dataclass(frozen=True)
class Watched:
    model: str  # "app_label.ModelName"
    fields: tuple
    label: Callable = str
    create_action: str = A.CREATE
    delete_action: str = A.DELETE
    # (changes, instance) -> the action an update is recorded as
    update_action: Callable = lambda changes, instance: A.UPDATE
    password: bool = False  # record password changes (as a fact, never a value)


def _has_password(encoded):
    """Whether a stored password can be signed in with (an empty one cannot, though Django's
    is_password_usable says it is)."""
    return bool(encoded) and is_password_usable(encoded)


def _user_label(user):
    name = user.get_full_name()
    return f"{name} <{user.get_username()}>" if name else user.get_username()


def _user_update(changes, user):
    if "is_active" in changes:
        return A.REACTIVATE if changes["is_active"]["new"] else A.DEACTIVATE
    return A.UPDATE


def _key_update(changes, key):
    if "revoked_at" in changes and changes["revoked_at"]["old"] is None:
        return A.REVOKE
    return A.UPDATE


def _municipality_update(changes, municipality):
    status = changes.get("status")
    if not status:
        return A.UPDATE
    return {
        "suspended": A.SUSPEND,
        "archived": A.ARCHIVE,
        "active": A.ACTIVATE if status["old"] == "provisioning" else A.RESUME,
    }.get(status["new"], A.UPDATE)


TEXTS = tuple(f"{kind}_{lang}" for kind in ("name", "description", "applicants") for lang in ("hy", "en", "ru"))

WATCHED = (
    Watched(
        "auth.User",
        ("username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser"),
        label=_user_label,
        update_action=_user_update,
        password=True,
    ),
    Watched("auth.Group", ("name",), label=lambda group: group.name),
    Watched(
        "accounts.Role",
        (
            "code",
            "name_hy",
            "name_en",
            "name_ru",
            "description_hy",
            "description_en",
            "description_ru",
            "is_administrator",
        ),
        label=lambda role: f"{role.name} ({role.code})",
    ),
    Watched(
        "registers.ApiKey",
        ("name", "prefix", "can_write", "revoked_at"),
        label=lambda key: f"{key.prefix} · {key.name}",
        create_action=A.ISSUE,
        update_action=_key_update,
    ),
    Watched(
        "catalogue.Service",
        TEXTS + ("fee_amd", "term_days", "term_kind", "online", "at_window", "is_active", "locked"),
        label=lambda service: f"{service.name} ({service.code})",
    ),
    Watched(
        "tenancy.Municipality",
        ("slug", "name_hy", "name_en", "name_ru", "status", "template_name", "template_version"),
        label=lambda m: f"{m.name_hy} ({m.slug})",
        create_action=A.ONBOARD,
        update_action=_municipality_update,
    ),
    Watched(
        "tenancy.Domain",
        ("domain", "is_primary"),
        label=lambda d: d.domain,
        create_action=A.DOMAIN_ADDED,
        delete_action=A.DOMAIN_REMOVED,
    ),
)


def label_for(obj):
    for spec in WATCHED:
        app_label, name = spec.model.split(".")
        if obj._meta.app_label == app_label and obj._meta.object_name == name:
            return spec.label(obj)
    return str(obj)


def watched_models():
    """(model class, Watched) for every watched model, in the order above."""
    return [(apps.get_model(spec.model), spec) for spec in WATCHED]


def _attnames(model, spec):
    return {name: model._meta.get_field(name).attname for name in spec.fields}


def _values(instance, attnames):
    return {name: getattr(instance, attname) for name, attname in attnames.items()}


def _make_handlers(model, spec):
    attnames = _attnames(model, spec)
    columns = list(attnames.values()) + (["password"] if spec.password else [])

    def before_save(sender, instance, raw=False, update_fields=None, **kwargs):
        instance.__dict__.pop("_audit_before", None)
        if raw or instance._state.adding or instance.pk is None:
            return
        if update_fields is not None and not set(update_fields) & set(columns):
            return  # e.g. the last sign-in time: nothing watched can change
        old = model._base_manager.filter(pk=instance.pk).values(*columns).first()
        if old is not None:
            instance.__dict__["_audit_before"] = old

    def after_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
        before = instance.__dict__.pop("_audit_before", None)
        if raw:
            return
        label = spec.label(instance)
        if created or before is None:
            if not created:
                return  # an update of nothing watched
            changes = {
                name: {"old": None, "new": value}
                for name, value in _values(instance, attnames).items()
                if value not in (None, "", [], {})
            }
            record(instance, spec.create_action, changes, label=label)
            if spec.password and _has_password(instance.password):
                record(instance, A.PASSWORD_SET, label=label)
            return
        changes = {}
        for name, attname in attnames.items():
            old, new = before[attname], getattr(instance, attname)
            if old != new:
                changes[name] = {"old": old, "new": new}
        if changes:
            record(instance, spec.update_action(changes, instance), changes, label=label)
        if spec.password and before["password"] != instance.password:
            if _has_password(instance.password):
                record(instance, A.PASSWORD_SET, label=label)
            elif _has_password(before["password"]):
                record(instance, A.PASSWORD_REMOVED, label=label)

    def after_delete(sender, instance, **kwargs):
        record(instance, spec.delete_action, label=spec.label(instance))

    return before_save, after_save, after_delete


def _permission_names(pks):
    from django.contrib.auth.models import Permission

    rows = Permission.objects.filter(pk__in=pks).values_list("content_type__app_label", "codename")
    return sorted(f"{app}.{codename}" for app, codename in rows)


def _group_names(pks):
    from django.contrib.auth.models import Group

    return sorted(Group.objects.filter(pk__in=pks).values_list("name", flat=True))


def _role_or_group(group):
    """A group's permissions are a role's permissions: the entry names the role when there is one."""
    # Read through the app registry: audit sits below accounts, which records through it.
    Role = apps.get_model("accounts", "Role")

    role = Role.objects.filter(group=group).first()
    return (role, f"{role.name} ({role.code})") if role is not None else (group, group.name)


@dataclass(frozen=True)
class Relation:
    """A watched many-to-many relation: `owner.<forward>` holds items, `item.<backward>` owners."""

    through: object
    owner: object
    forward: str
    backward: str
    key: str  # the name the change is recorded under
    action: str
    names: Callable  # item pks -> sorted readable names

    def on_change(self, sender, instance, action, reverse, pk_set, **kwargs):
        if action == "pre_clear":
            manager = getattr(instance, self.backward if reverse else self.forward)
            instance.__dict__[f"_audit_clear_{self.key}"] = set(manager.values_list("pk", flat=True))
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if action == "post_clear":
            pks = instance.__dict__.pop(f"_audit_clear_{self.key}", set())
        else:
            pks = set(pk_set or ())
        if not pks:
            return
        change = "added" if action == "post_add" else "removed"
        if not reverse:
            self.record(instance, {self.key: {change: self.names(pks)}})
        else:  # e.g. group.user_set.add(user): the entry belongs to each user
            names = self.names({instance.pk})
            for owner in self.owner._base_manager.filter(pk__in=pks):
                self.record(owner, {self.key: {change: names}})

    def record(self, owner, changes):
        if self.owner._meta.model_name == "group":
            target, label = _role_or_group(owner)
        else:
            target, label = owner, _user_label(owner)
        record(target, self.action, changes, label=label)


def relations():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    return (
        Relation(User.groups.through, User, "groups", "user_set", "roles", A.ROLES, _group_names),
        Relation(
            User.user_permissions.through,
            User,
            "user_permissions",
            "user_set",
            "permissions",
            A.PERMISSIONS,
            _permission_names,
        ),
        Relation(
            Group.permissions.through,
            Group,
            "permissions",
            "group_set",
            "permissions",
            A.PERMISSIONS,
            _permission_names,
        ),
    )


_connected = []


def connect():
    """Connects the handlers once (the app's ready())."""
    if _connected:
        return
    for model, spec in watched_models():
        before_save, after_save, after_delete = _make_handlers(model, spec)
        pre_save.connect(before_save, sender=model, weak=False, dispatch_uid=f"audit-pre-{spec.model}")
        post_save.connect(after_save, sender=model, weak=False, dispatch_uid=f"audit-post-{spec.model}")
        post_delete.connect(after_delete, sender=model, weak=False, dispatch_uid=f"audit-del-{spec.model}")
    for relation in relations():
        m2m_changed.connect(
            relation.on_change,
            sender=relation.through,
            weak=False,
            dispatch_uid=f"audit-m2m-{relation.through._meta.db_table}",
        )
    _connected.append(True)
