"""The module contract: hooks are typed and checked when declared, each module declares the
modules it imports, and the municipal URL conf mounts every module's URLs from its declaration."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

from hamaynk.modules import ImproperlyConfiguredModules, Module, all_modules


def _package_of(module):
    return apps.get_app_config(module.app_label).name


def _imported_packages(folder):
    """Every tenants.<package> a folder's code imports, at the top or inside a function."""
    found = set()
    for path in Path(folder).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "tenants" and len(parts) > 1:
                    found.add(f"tenants.{parts[1]}")
    return found


def test_each_module_declares_the_modules_it_imports():
    by_package = {_package_of(m): m.code for m in all_modules()}
    missing = {}
    for module in all_modules():
        package = _package_of(module)
        folder = Path(apps.get_app_config(module.app_label).path)
        used = {by_package[p] for p in _imported_packages(folder) if p in by_package and p != package}
        undeclared = used - set(module.depends_on)
        if undeclared:
            missing[module.code] = sorted(undeclared)
    assert missing == {}, "add these to the modules' depends_on"


def test_the_import_walk_finds_imports_inside_functions(tmp_path):
    (tmp_path / "a.py").write_text("def f():\n    from tenants.registers import services\n")
    assert _imported_packages(tmp_path) == {"tenants.registers"}


def _loader(data, context):
    return None


@pytest.mark.parametrize(
    "overrides,problem",
    [
        ({"code": "Bad Code"}, "code must be"),
        ({"section_schema": {}, "load_section": lambda data: None}, "load_section must accept 2"),
        ({"check_section": "not a function"}, "check_section is not callable"),
        ({"statistics": lambda needed: {}}, "statistics must accept 0"),
        ({"load_section": _loader}, "load_section needs a section_schema"),
        ({"depends_on": "registers"}, "depends_on must be a tuple"),
        ({"permissions": ("view_case",)}, "permissions must be a tuple"),
        ({"staff_menu": (("Label",),)}, "staff_menu must hold"),
        ({"api_urls": object()}, "api_urls must be a dotted"),
    ],
)
def test_a_module_declared_wrongly_is_refused_with_its_name(overrides, problem):
    with pytest.raises(ImproperlyConfiguredModules) as caught:
        Module(**{"code": "sample", "name": "Sample", **overrides})
    assert "sample" in str(caught.value) or "Bad Code" in str(caught.value)
    assert problem in str(caught.value)


def test_a_well_declared_module_is_accepted():
    module = Module(
        code="sample",
        name="Sample",
        section_schema={},
        load_section=_loader,
        check_section=lambda data, sections: [],
        statistics=lambda: {},
        permissions=("sample.view_thing",),
        staff_menu=(("Things", "sample:index"),),
    )
    assert module.code == "sample"


def test_both_apis_are_mounted_from_the_module_declarations():
    from django.urls import reverse

    declared = {m.code: m.api_prefix for m in all_modules() if m.api_urls}
    assert declared == {"registers": "api/dr/", "cases": "api/registration/"}
    assert reverse("registers_api_openapi", urlconf="hamaynk.urls_municipal") == "/api/dr/openapi.json"
    source = Path(__file__).resolve().parents[1] / "platform" / "hamaynk" / "urls_municipal.py"
    assert "tenants." not in source.read_text(), "the municipal URL conf names no module"
