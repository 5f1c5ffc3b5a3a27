"""Audit entries as people read them, in the language of the page: kinds of object and fields
by their translated names, yes/no, choices by their labels, dates as DD.MM.YYYY, roles by
their names."""

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import context
from .models import Entry

EMPTY = "—"
RELATION_LABELS = {"roles": lambda: _("Roles"), "permissions": lambda: _("Permissions")}


def _model(object_type):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def kind_label(object_type):
    model = _model(object_type)
    return str(model._meta.verbose_name).capitalize() if model else object_type


def person_label(kind, label):
    if kind == context.USER:
        return label
    if kind == context.COMMAND:
        return f"{_('command line')}: {label}" if label else _("command line")
    if kind == context.SYSTEM:
        return pgettext("audit actor", "system")
    return _("not signed in")


def action_label(action):
    try:
        return Entry.Action(action).label
    except ValueError:
        return action


@dataclass
class Change:
    field: str
    old: str = ""
    new: str = ""
    added: str = ""
    removed: str = ""


def describe(entry, names=None):
    """The entry's changes as rows; `names` maps role codes to role names for this page."""
    model = _model(entry.object_type)
    rows = []
    for key, change in (entry.changes or {}).items():
        if "added" in change or "removed" in change:
            rows.append(
                Change(
                    field=RELATION_LABELS[key]() if key in RELATION_LABELS else key,
                    added=", ".join((names or {}).get(item, item) for item in change.get("added", [])),
                    removed=", ".join((names or {}).get(item, item) for item in change.get("removed", [])),
                )
            )
            continue
        field = _field(model, key)
        rows.append(
            Change(
                field=str(field.verbose_name) if field is not None else key,
                old=value_label(field, change.get("old")),
                new=value_label(field, change.get("new")),
            )
        )
    return rows


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def value_label(field, value):
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
