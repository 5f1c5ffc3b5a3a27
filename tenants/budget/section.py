"""The `budget` section: the budget classification categories a municipality reports against
(revenue sources and the functional groups of expenditure)."""

from tenants.i18n_schema import TRANSLATED_TEXT, translated

from .models import Category

SCHEMA = {
    "type": "object",
    "properties": {
        "categories": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    # Upper case letters and digits: the codes people type in the import file.
                    "code": {"type": "string", "pattern": "^[0-9A-Z]{1,16}$"},
                    "direction": {"enum": [d.value for d in Category.Direction]},
                    "name": TRANSLATED_TEXT,
                },
                "required": ["code", "direction", "name"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["categories"],
    "additionalProperties": False,
}


def check(data, sections):
    problems = []
    seen = set()
    for index, category in enumerate(data["categories"]):
        if category["code"] in seen:
            problems.append((f"categories[{index}].code", f"duplicate category code {category['code']!r}"))
        seen.add(category["code"])
    return problems


def load(data, context):
    """Creates or renames the categories; existing ones keep their budget lines, so a template
    upgrade never touches the figures."""
    Category.objects.bulk_create(
        [
            Category(code=spec["code"], direction=spec["direction"], position=position, **translated(spec["name"]))
            for position, spec in enumerate(data["categories"])
        ],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["direction", "position", "name_hy", "name_en", "name_ru"],
    )
