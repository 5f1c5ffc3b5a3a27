"""Templates: versioned folders of YAML, one file per module section, validated before use.

    <name>/template.yaml     name, version, titles, languages
    <name>/<module>.yaml     the section a module loads (accounts.yaml, profile.yaml, ...)

Every problem is reported as (file, path, reason), never as a traceback.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml
from django.conf import settings

from hamaynk.modules import all_modules

TRANSLATED = {
    "type": "object",
    "properties": {lang: {"type": "string", "minLength": 1} for lang in ("hy", "en", "ru")},
    "required": ["hy", "en", "ru"],
    "additionalProperties": False,
}

MANIFEST_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,99}$"},
        "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
        "title": TRANSLATED,
        "description": TRANSLATED,
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "languages": {"type": "array", "items": {"enum": ["hy", "en", "ru"]}, "minItems": 1},
    },
    "required": ["name", "version", "title", "languages"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    reason: str

    def __str__(self):
        return f"{self.file}: {self.path or '(top)'}: {self.reason}"


@dataclass
class Template:
    folder: Path
    manifest: dict
    sections: dict = field(default_factory=dict)
    digest: str = ""

    @property
    def name(self):
        return self.manifest["name"]

    @property
    def version(self):
        return self.manifest["version"]


class InvalidTemplate(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML (libyaml's parser when present) that keeps dates as text: the schemas check
    them as ISO strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# Valid templates by folder and content digest: provisioning validates the same template for
# every municipality, and parsing it is most of the cost of validation.
_valid_templates = {}


def template_folder(name):
    return Path(settings.PROVISIONING_TEMPLATES_DIR) / name


def available_templates():
    root = Path(settings.PROVISIONING_TEMPLATES_DIR)
    return sorted(p.name for p in root.iterdir() if (p / "template.yaml").is_file())


def _read_yaml(path, problems):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(Problem(path.name, "", f"cannot be read: {exc.strerror}"))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(path.name, "", "is not UTF-8 text"))
        return None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(Problem(path.name, where, f"is not valid YAML: {getattr(exc, 'problem', exc)}"))
        return None


def _schema_problems(file, data, schema):
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    found = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        found.append(Problem(file, _json_path(error.absolute_path), error.message))
    return found


def _json_path(parts):
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _content_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.y*ml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load_template(folder):
    """Reads and validates a template folder; raises InvalidTemplate listing every problem."""
    folder = Path(folder)
    if not (folder / "template.yaml").is_file():
        raise InvalidTemplate([Problem("template.yaml", "", f"missing: {folder} is not a template folder")])
    key = (folder.resolve(), _content_digest(folder))
    if key not in _valid_templates:
        _valid_templates[key] = _parse_and_validate(folder, key[1])
    return _valid_templates[key]


def _parse_and_validate(folder, digest):
    problems = []

    manifest = _read_yaml(folder / "template.yaml", problems)
    if manifest is not None:
        problems += _schema_problems("template.yaml", manifest, MANIFEST_SCHEMA)
        if isinstance(manifest, dict) and manifest.get("name") and manifest["name"] != folder.name:
            problems.append(
                Problem("template.yaml", "name", f"{manifest['name']!r} differs from the folder name {folder.name!r}")
            )

    modules = {m.code: m for m in all_modules()}
    sections = {}
    for path in sorted(folder.glob("*.y*ml")):
        if path.name == "template.yaml":
            continue
        code = path.stem
        if code not in modules or path.suffix != ".yaml":
            problems.append(
                Problem(
                    path.name, "", f"no module named {code!r} takes a section (known: {', '.join(sorted(modules))})"
                )
            )
            continue
        data = _read_yaml(path, problems)
        if data is None and path.stat().st_size:
            continue
        sections[code] = data

    for code, module in modules.items():
        file = f"{code}.yaml"
        if code not in sections:
            if module.section_required:
                problems.append(Problem(file, "", "missing: this module's section is required"))
            continue
        if module.section_schema is None:
            continue
        section_problems = _schema_problems(file, sections[code], module.section_schema)
        problems += section_problems
        if not section_problems and module.check_section:
            problems += [Problem(file, path, reason) for path, reason in module.check_section(sections[code], sections)]

    if problems:
        raise InvalidTemplate(problems)
    return Template(folder=folder, manifest=manifest, sections=sections, digest=digest)


def load_named_template(name):
    return load_template(template_folder(name))
