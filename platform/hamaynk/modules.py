"""Module declarations: what each municipal app contributes, in one place.

Each tenant app may have a `module.py` with `MODULE = Module(...)`. Provisioning, the template
validator, the municipal URL conf, the staff dashboard and the ministry console all find modules
here; none of them lists apps by name.
"""
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import Any, Callable

from django.apps import apps
from django.conf import settings


@dataclass(frozen=True)
class Module:
    code: str
    name: Any  # a lazy translation
    description: Any = ""
    # JSON Schema of the module's section in a template (<code>.yaml), or None if it has none.
    section_schema: dict | None = None
    section_required: bool = False
    # load_section(data, context): loads the section into the current municipality's schema.
    load_section: Callable | None = None
    # check_section(data, sections) -> [(path, reason)]: checks a schema cannot express;
    # `sections` holds every section of the template, for checks across modules.
    check_section: Callable | None = None
    depends_on: tuple = ()
    # Dotted URL conf modules, mounted at /staff/<code>/ and /<code>/ respectively.
    staff_urls: str | None = None
    public_urls: str | None = None
    public_prefix: str | None = None  # where public_urls are mounted; None means "<code>/"
    # A URL conf mounted at the host's root, without a namespace, after every module's own URLs:
    # for what must take the paths nobody else claimed (the website's page tree).
    root_urls: str | None = None
    # Permissions ("app_label.codename") roles may be given; defaults to the app's own.
    permissions: tuple = ()
    # statistics() -> {key: number}, read inside the municipality's schema by a background job.
    statistics: Callable | None = None
    # reads_personal_data(role) -> bool: whether the role's permissions in this module let its
    # holders read personal data (identifiers, names, addresses of citizens); such staff sign in
    # with a second factor. Asked of the role's live permissions, so nothing keeps a list.
    reads_personal_data: Callable | None = None
    staff_menu: tuple = field(default=())  # ((label, url name), ...)
    app_label: str = ""


@cache
def all_modules():
    """Every declared module, ordered so that each comes after the modules it depends on."""
    found = {}
    tenant_apps = set(settings.TENANT_APPS)
    for config in apps.get_app_configs():
        if config.name not in tenant_apps:
            continue
        try:
            declared = import_module(f"{config.name}.module")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.module":
                raise
            continue
        module = declared.MODULE
        object.__setattr__(module, "app_label", config.label)
        found[module.code] = module
    return tuple(_dependency_order(found))


def _dependency_order(found):
    ordered, seen = [], set()

    def visit(code, trail=()):
        if code in seen:
            return
        if code in trail:
            raise ImproperlyConfiguredModules(f"module dependency cycle: {' -> '.join(trail + (code,))}")
        if code not in found:
            raise ImproperlyConfiguredModules(f"{trail[-1]} depends on unknown module {code}")
        for dependency in found[code].depends_on:
            visit(dependency, trail + (code,))
        seen.add(code)
        ordered.append(found[code])

    for code in sorted(found):
        visit(code)
    return ordered


def get_module(code):
    for module in all_modules():
        if module.code == code:
            return module
    raise KeyError(code)


def all_permissions():
    """Every permission a role in a template may name, as "app_label.codename"."""
    names = set()
    for module in all_modules():
        if module.permissions:
            names.update(module.permissions)
            continue
        for model in apps.get_app_config(module.app_label).get_models():
            for action in model._meta.default_permissions:
                names.add(f"{module.app_label}.{action}_{model._meta.model_name}")
            for codename, _label in model._meta.permissions:
                names.add(f"{module.app_label}.{codename}")
    return names


class ImproperlyConfiguredModules(Exception):
    pass
