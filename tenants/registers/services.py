"""The registers' Python interface. Staff views, the API, imports and other modules (cases)
all change records through here, inside the caller's transaction:

    record = services.lookup("residents", psn="1234567890")
    values = services.prefill(record, {"applicant_name": "first_name"})
    services.create("buildings", {...}, user=request.user)
    services.update(record, {"status": "issued"}, user=request.user, expected_version=3)
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hamaynk import events
from hamaynk.errors import FieldErrors

from .fields import FieldError
from .models import PersonalDataAccess, Record, RecordChange, Register, RegisterPermission, UniqueValue

ACTIONS = ("view", "edit", "import", "export")


class RecordInvalid(FieldErrors):
    """A record with bad values."""


class Conflict(Exception):
    """Somebody saved the record since the caller read it."""


class NotAllowed(Exception):
    pass


def get_register(code_or_register):
    if isinstance(code_or_register, Register):
        return code_or_register
    return Register.objects.get(code=code_or_register)


# Permissions ---------------------------------------------------------------------------------


def allowed(user, register, action):
    """Whether `user` may `action` (view, edit, import, export) in `register`. Administrators
    may do everything; others through their roles' register permissions."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return action in _actions_for(user, register)


def _actions_for(user, register):
    cache = user.__dict__.setdefault("_register_actions", {})
    if register.pk not in cache:
        groups = user.groups.all()
        if user.is_superuser or groups.filter(role__is_administrator=True).exists():
            cache[register.pk] = set(ACTIONS)
        else:
            actions = set()
            for row in RegisterPermission.objects.filter(register=register, role__group__in=groups):
                actions.update(a for a in ACTIONS if getattr(row, f"can_{a}"))
            cache[register.pk] = actions
    return cache[register.pk]


def visible_registers(user):
    return [r for r in Register.objects.all() if allowed(user, r, "view")]


def require(user, register, action):
    if not allowed(user, register, action):
        raise NotAllowed(action)


# Cleaning ------------------------------------------------------------------------------------


def clean(register, raw, *, base=None):
    """Checks `raw` ({field: value}) against the register's fields, on top of `base` (the
    current data when updating). Returns the full new data or raises RecordInvalid."""
    types = register.field_types
    errors = {}
    unknown = sorted(set(raw) - set(types))
    if unknown:
        errors["__all__"] = [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}]
    data = dict(base or {})
    for code, field_type in types.items():
        if code not in raw and base is not None:
            continue
        try:
            value = field_type.clean(raw.get(code))
        except FieldError as exc:
            errors.setdefault(code, []).append(str(exc))
            continue
        if value is None:
            data.pop(code, None)
        else:
            data[code] = value
    if errors:
        raise RecordInvalid(errors)
    return data


def search_text(register, data):
    types = register.field_types
    return " ".join(types[c].search_terms(v) for c, v in data.items() if c in types).casefold()


def _unique_rows(register, record, data):
    return [
        UniqueValue(register=register, field=code, value=field_type.unique_key(data[code])[:400], record=record)
        for code, field_type in register.field_types.items()
        if field_type.unique and code in data
    ]


def _save_unique_values(register, record, data):
    rows = _unique_rows(register, record, data)
    if not rows:
        return
    try:
        with transaction.atomic():
            UniqueValue.objects.bulk_create(rows)
    except IntegrityError:
        taken = (
            UniqueValue.objects.filter(register=register, field__in=[r.field for r in rows])
            .exclude(record=record)
            .filter(Q(*[Q(field=r.field, value=r.value) for r in rows], _connector=Q.OR))
        )
        raise RecordInvalid(
            {row.field: [_("This value is already in the register.")] for row in taken}
            or {"__all__": [_("A unique value is already in the register.")]}
        ) from None


# Changing records ----------------------------------------------------------------------------


def create(register, raw, *, user=None, actor="", action=RecordChange.Action.CREATE):
    register = get_register(register)
    data = clean(register, raw)
    with transaction.atomic():
        record = Record.objects.create(
            register=register, data=data, search_text=search_text(register, data), created_by=user, updated_by=user
        )
        _save_unique_values(register, record, data)
        RecordChange.objects.create(
            record=record, action=action, user=user, actor=actor, changes={k: [None, v] for k, v in data.items()}
        )
        events.record("register.record.created", record, record_facts(register, record))
    return record


def update(record, raw, *, user=None, actor="", expected_version=None):
    """Changes the given fields. With `expected_version`, refuses (Conflict) when somebody else
    saved the record since that version was read, so no update is silently lost."""
    with transaction.atomic():
        current = (
            Record.objects.select_for_update().select_related("register").get(pk=record.pk, deleted_at__isnull=True)
        )
        if expected_version is not None and current.version != int(expected_version):
            raise Conflict(current)
        register = current.register
        data = clean(register, raw, base=current.data)
        diff = {
            k: [current.data.get(k), data.get(k)]
            for k in set(current.data) | set(data)
            if current.data.get(k) != data.get(k)
        }
        if not diff:
            return current
        changed_unique = [c for c, t in register.field_types.items() if t.unique and c in diff]
        if changed_unique:
            UniqueValue.objects.filter(record=current, field__in=changed_unique).delete()
            _save_unique_values(register, current, {c: data[c] for c in changed_unique if c in data})
        current.data = data
        current.search_text = search_text(register, data)
        current.version += 1
        current.updated_by = user
        current.save(update_fields=["data", "search_text", "version", "updated_by", "updated_at"])
        RecordChange.objects.create(
            record=current, action=RecordChange.Action.UPDATE, user=user, actor=actor, changes=diff
        )
        events.record("register.record.changed", current, {**record_facts(register, current), "fields": sorted(diff)})
    record.__dict__.update(current.__dict__)
    return current


def delete(record, *, user=None, actor=""):
    """Records are never erased: they leave the register and keep their history."""
    with transaction.atomic():
        current = Record.objects.select_for_update().get(pk=record.pk, deleted_at__isnull=True)
        current.deleted_at = timezone.now()
        current.version += 1
        current.save(update_fields=["deleted_at", "version", "updated_at"])
        UniqueValue.objects.filter(record=current).delete()
        RecordChange.objects.create(
            record=current,
            action=RecordChange.Action.DELETE,
            user=user,
            actor=actor,
            changes={k: [v, None] for k, v in current.data.items()},
        )
        events.record("register.record.deleted", current, record_facts(current.register, current))
    return current


def record_facts(register, record):
    """What a record's events say about it: which record, never its values (they may be
    personal data; a consumer entitled to them reads the record, logging the read)."""
    return {
        "register": register.code,
        "record_id": record.pk,
        "record_uuid": str(record.uuid),
        "version": record.version,
    }


# Finding records -----------------------------------------------------------------------------


def records(register):
    return Record.objects.filter(register=get_register(register), deleted_at__isnull=True)


def matching(register, criteria):
    """Records whose fields equal `criteria` (values cleaned like input, so '01.02.1990' finds
    a stored '1990-02-01'). Uses the GIN index on data."""
    register = get_register(register)
    wanted = {}
    errors = {}
    for code, raw in criteria.items():
        field_type = register.field_types.get(code)
        if field_type is None:
            errors.setdefault("__all__", []).append(_("Unknown field: %(field)s.") % {"field": code})
            continue
        try:
            wanted[code] = field_type.convert(raw)
        except FieldError as exc:
            errors.setdefault(code, []).append(str(exc))
    if errors:
        raise RecordInvalid(errors)
    return records(register).filter(data__contains=wanted)


def lookup(register, **criteria):
    return matching(register, criteria).order_by("id").first()


def full_text(queryset, text):
    """Prefix match of every word, case-folded the way search_text is."""
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in text.casefold()).split() if w]
    if not words:
        return queryset
    from django.contrib.postgres.search import SearchQuery

    query = SearchQuery(" & ".join(f"{w}:*" for w in words), config="simple", search_type="raw")
    return queryset.filter(search=query)


def prefill(record, mapping):
    """{target name: field code} -> {target name: stored value}, for forms of other modules."""
    return {target: record.data.get(code) for target, code in mapping.items()}


# Personal data -------------------------------------------------------------------------------


def personal_ids(record):
    return [record.data[c] for c, t in record.register.field_types.items() if t.personal and record.data.get(c)]


def needs_reason(user, register):
    if not register.has_personal_data or not register.reason_required_roles:
        return False
    return user.groups.filter(role__code__in=register.reason_required_roles).exists()


def log_read(record, *, channel, user=None, actor="", reason=""):
    """Logs the read when the record holds a personal identifier; returns whether it did."""
    ids = personal_ids(record)
    if not ids:
        return False
    PersonalDataAccess.objects.create(
        record=record,
        register_code=record.register.code,
        person_ids=ids,
        user=user,
        actor=actor,
        channel=channel,
        reason=reason,
    )
    return True


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    errors: list = field(default_factory=list)  # [(row number, field, reason)]


def log_export(register, queryset, *, user=None, actor=""):
    """An export reads every listed person's data: one log row per record that has any."""
    codes = [c for c, t in register.field_types.items() if t.personal]
    rows = []
    for record in queryset.only("id", "data").iterator(chunk_size=2000):
        ids = [record.data[c] for c in codes if record.data.get(c)]
        if ids:
            rows.append(
                PersonalDataAccess(
                    record_id=record.id,
                    register_code=register.code,
                    person_ids=ids,
                    user=user,
                    actor=actor,
                    channel=PersonalDataAccess.Channel.EXPORT,
                )
            )
    PersonalDataAccess.objects.bulk_create(rows, batch_size=2000)


def record_counts(register_ids):
    from django.db.models import Count

    return dict(
        Record.objects.filter(register_id__in=register_ids, deleted_at__isnull=True)
        .values_list("register_id")
        .annotate(n=Count("id"))
        .values_list("register_id", "n")
    )
