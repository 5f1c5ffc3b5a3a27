"""Module declarations: what each municipal app contributes, in one place.

Each tenant app may have a `module.py` with `MODULE = Module(...)`. Provisioning, the template
validator, the municipal URL conf, the staff dashboard and the ministry console all find modules
here; none of them lists apps by name.

The hooks a module gives are typed (the Protocols below) and checked when the module is
declared: a loader that takes the wrong arguments, a malformed permission or a menu entry that
is not a (label, URL name) pair fails at start-up naming the module, not in the middle of
provisioning a municipality.
"""

import inspect
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import Any, Protocol

from django.apps import apps
from django.conf import settings


class SectionLoader(Protocol):
    """Loads the module's template section into the current municipality's schema."""

    def __call__(self, data: dict, context: Any) -> None: ...


class SectionCheck(Protocol):
    """Checks a JSON Schema cannot express; `sections` holds every section of the template, for
    checks across modules. Returns [(path, reason)]."""

    def __call__(self, data: dict, sections: dict) -> list[tuple[str, str]]: ...


class StatisticsCollector(Protocol):
    """Figures for the ministry, read inside the municipality's schema by a background job."""

    def __call__(self) -> dict[str, int | float]: ...


class PersonalDataCheck(Protocol):
    """Whether a role's permissions in this module let its holders read personal data
    (identifiers, names, addresses of citizens); such staff sign in with a second factor. Asked
    of the role's live permissions, so nothing keeps a list."""

    def __call__(self, role: Any) -> bool: ...


class DashboardPanel(Protocol):
    """The context of the module's panel on the staff dashboard (rendered with its
    dashboard_template), or None when the signed-in person may not see it."""

    def __call__(self, request: Any) -> dict | None: ...


# hook -> how many positional arguments it is called with
HOOK_ARITY = {"load_section": 2, "check_section": 2, "statistics": 0, "reads_personal_data": 1, "dashboard": 1}
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
PERMISSION = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Module:
    code: str
    name: Any  # a lazy translation
    description: Any = ""
    # JSON Schema of the module's section in a template (<code>.yaml), or None if it has none.
    section_schema: dict | None = None
    section_required: bool = False
    load_section: SectionLoader | None = None
    check_section: SectionCheck | None = None
    # Codes of the modules whose code this one imports: they are loaded first, and a test
    # (tests/test_modules.py) checks every import against this list.
    depends_on: tuple[str, ...] = ()
    # Dotted URL conf modules, mounted at /staff/<code>/ and /<code>/ respectively.
    staff_urls: str | None = None
    public_urls: str | None = None
    public_prefix: str | None = None  # where public_urls are mounted; None means "<code>/"
    # The module's API, mounted at api_prefix ("api/<code>/" when not given), without a namespace.
    api_urls: str | None = None
    api_prefix: str | None = None
    # A URL conf mounted at the host's root, without a namespace, after every module's own URLs:
    # for what must take the paths nobody else claimed (the website's page tree).
    root_urls: str | None = None
    # Permissions ("app_label.codename") roles may be given; defaults to the app's own.
    permissions: tuple[str, ...] = ()
    statistics: StatisticsCollector | None = None
    reads_personal_data: PersonalDataCheck | None = None
    staff_menu: tuple[tuple[Any, str], ...] = field(default=())  # ((label, url name), ...)
    dashboard: DashboardPanel | None = None
    dashboard_template: str = ""
    app_label: str = ""

    def __post_init__(self):
        problems = list(self._problems())
        if problems:
            raise ImproperlyConfiguredModules(f"module {self.code!r}: " + "; ".join(problems))

    def _problems(self):
        if not isinstance(self.code, str) or not CODE.match(self.code):
            yield "code must be lower-case letters, digits and underscores"
        for hook, arity in HOOK_ARITY.items():
            function = getattr(self, hook)
            if function is None:
                continue
            if not callable(function):
                yield f"{hook} is not callable"
                continue
            try:
                inspect.signature(function).bind(*([None] * arity))
            except TypeError:
                yield f"{hook} must accept {arity} positional argument(s)"
        if self.load_section and self.section_schema is None:
            yield "load_section needs a section_schema"
        if self.dashboard and not self.dashboard_template:
            yield "dashboard needs a dashboard_template"
        if not isinstance(self.depends_on, tuple) or not all(isinstance(c, str) for c in self.depends_on):
            yield "depends_on must be a tuple of module codes"
        for name in ("staff_urls", "public_urls", "api_urls", "root_urls"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                yield f"{name} must be a dotted module path"
        if not isinstance(self.permissions, tuple) or not all(
            isinstance(p, str) and PERMISSION.match(p) for p in self.permissions
        ):
            yield 'permissions must be a tuple of "app_label.codename"'
        if not all(isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str) for item in self.staff_menu):
            yield "staff_menu must hold (label, URL name) pairs"


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
