"""JSON Schema pieces shared by the modules' template sections."""

TRANSLATED_TEXT = {
    "type": "object",
    "properties": {
        "hy": {"type": "string", "minLength": 1},
        "en": {"type": "string", "minLength": 1},
        "ru": {"type": "string", "minLength": 1},
    },
    "required": ["hy", "en", "ru"],
    "additionalProperties": False,
}

CODE = {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,49}$"}


def translated(value, prefix="name"):
    """{"hy": .., "en": .., "ru": ..} -> {"name_hy": .., "name_en": .., "name_ru": ..}"""
    return {f"{prefix}_{lang}": value[lang] for lang in ("hy", "en", "ru")}
