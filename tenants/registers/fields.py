"""Field types of register records: how each is checked, stored in JSON, searched and shown.

A record's data is a JSON object {field code: value}. Each type turns what a person or a CSV
file gives (`clean`) into the stored value, or raises FieldError with a message a person can
act on. Stored values are JSON-native: text, integers, decimals as strings (no float rounding),
ISO dates, booleans, {settlement, street, building, apartment} addresses, {lat, lon} points,
record uuids for references and {name, size, content_type, key} for files.
"""

import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _


class FieldError(ValueError):
    pass


# Formats of Armenian personal identifiers. PSN: the 10-digit public service number.
PERSONAL_ID_FORMATS = {
    "psn": (re.compile(r"^\d{10}$"), "0123456789"),
    "passport": (re.compile(r"^[A-Z]{2}\d{7}$"), "AN1234567"),
    "id_card": (re.compile(r"^\d{9}$"), "001234567"),
}


class FieldType:
    code = ""
    searchable = True

    def __init__(self, spec):
        self.spec = spec
        self.name = spec["code"]

    @property
    def label(self):
        lang = (translation.get_language() or "hy")[:2]
        names = self.spec["name"]
        return names.get(lang) or names["hy"]

    @property
    def required(self):
        return self.spec.get("required", False)

    @property
    def unique(self):
        return self.spec.get("unique", False)

    @property
    def public(self):
        return self.spec.get("public", False)

    @property
    def personal(self):
        return False

    def is_empty(self, raw):
        return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == {} or raw == []

    def clean(self, raw):
        """The value to store for `raw`, None for an empty optional value, or FieldError."""
        if self.is_empty(raw):
            if self.required:
                raise FieldError(_("This field is required."))
            return None
        return self.convert(raw)

    def convert(self, raw):
        raise FieldError(_("Unsupported value."))

    def from_text(self, text):
        """CSV cells and form inputs are text."""
        return text

    def to_text(self, value):
        return "" if value is None else str(value)

    def display(self, value):
        return self.to_text(value)

    def search_terms(self, value):
        return self.to_text(value) if self.searchable and value is not None else ""

    def unique_key(self, value):
        return self.to_text(value).casefold()


class TextField(FieldType):
    code = "text"

    def convert(self, raw):
        if not isinstance(raw, str):
            raw = str(raw)
        value = " ".join(raw.split())
        limit = self.spec.get("max_length", 255)
        if len(value) > limit:
            raise FieldError(_("At most %(limit)s characters.") % {"limit": limit})
        pattern = self.spec.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            raise FieldError(
                self.spec.get("pattern_message", {}).get((translation.get_language() or "hy")[:2])
                or _("The value does not have the expected form.")
            )
        return value


class LongTextField(TextField):
    code = "long_text"

    def convert(self, raw):
        value = str(raw).strip().replace("\r\n", "\n")
        limit = self.spec.get("max_length", 20000)
        if len(value) > limit:
            raise FieldError(_("At most %(limit)s characters.") % {"limit": limit})
        return value


class IntegerField(FieldType):
    code = "integer"

    def convert(self, raw):
        if isinstance(raw, bool):
            raise FieldError(_("Enter a whole number."))
        try:
            value = int(str(raw).strip().replace(" ", ""))
        except ValueError:
            raise FieldError(_("Enter a whole number.")) from None
        _check_range(self.spec, value)
        return value


class DecimalField(FieldType):
    code = "decimal"

    def convert(self, raw):
        if isinstance(raw, bool):
            raise FieldError(_("Enter a number."))
        text = str(raw).strip().replace(" ", "").replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise FieldError(_("Enter a number.")) from None
        if not value.is_finite():
            raise FieldError(_("Enter a number."))
        places = self.spec.get("decimal_places", 2)
        if value.as_tuple().exponent < -places:
            raise FieldError(_("At most %(places)s digits after the decimal point.") % {"places": places})
        _check_range(self.spec, value)
        return str(value)


def _check_range(spec, value):
    if "min" in spec and value < Decimal(str(spec["min"])):
        raise FieldError(_("The smallest allowed value is %(min)s.") % {"min": spec["min"]})
    if "max" in spec and value > Decimal(str(spec["max"])):
        raise FieldError(_("The largest allowed value is %(max)s.") % {"max": spec["max"]})


class DateField(FieldType):
    code = "date"
    searchable = False

    def convert(self, raw):
        if isinstance(raw, datetime.date):
            value = raw
        else:
            text = str(raw).strip()
            value = None
            for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
                try:
                    value = datetime.datetime.strptime(text, pattern).date()
                    break
                except ValueError:
                    continue
            if value is None:
                raise FieldError(_("Enter a date as DD.MM.YYYY."))
        if self.spec.get("not_in_future") and value > datetime.date.today():
            raise FieldError(_("The date cannot be in the future."))
        return value.isoformat()

    def display(self, value):
        return "" if not value else datetime.date.fromisoformat(value).strftime("%d.%m.%Y")

    def to_text(self, value):
        return "" if value is None else value


class BooleanField(FieldType):
    code = "boolean"
    searchable = False
    TRUE = {"true", "1", "yes", "on", "այո", "да"}
    FALSE = {"false", "0", "no", "off", "ոչ", "нет"}

    def is_empty(self, raw):
        return raw is None or (isinstance(raw, str) and not raw.strip())

    def convert(self, raw):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().casefold()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise FieldError(_("Enter yes or no."))

    def display(self, value):
        return "" if value is None else (_("yes") if value else _("no"))

    def to_text(self, value):
        return "" if value is None else ("true" if value else "false")


class ChoiceField(FieldType):
    code = "choice"

    @property
    def choices(self):
        lang = (translation.get_language() or "hy")[:2]
        return [(c["value"], c["name"].get(lang) or c["name"]["hy"]) for c in self.spec["choices"]]

    def convert(self, raw):
        text = str(raw).strip()
        for choice in self.spec["choices"]:
            if text == choice["value"] or text in choice["name"].values():
                return choice["value"]
        raise FieldError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(v for v, _l in self.choices)})

    def display(self, value):
        return dict(self.choices).get(value, value or "")

    def search_terms(self, value):
        if value is None:
            return ""
        for choice in self.spec["choices"]:
            if choice["value"] == value:
                return " ".join(choice["name"].values())
        return value


class PersonalIdField(FieldType):
    code = "personal_id"

    @property
    def personal(self):
        return True

    @property
    def public(self):
        return False  # never shown on public pages, whatever the template says

    def convert(self, raw):
        value = str(raw).strip().upper().replace(" ", "")
        kinds = self.spec.get("kinds", ["psn"])
        for kind in kinds:
            pattern, _example = PERSONAL_ID_FORMATS[kind]
            if pattern.match(value):
                return value
        examples = ", ".join(PERSONAL_ID_FORMATS[k][1] for k in kinds)
        raise FieldError(_("Not a valid identifier (for example: %(examples)s).") % {"examples": examples})


class ReferenceField(FieldType):
    """The uuid of a record in another register (`target`), checked to exist."""

    code = "reference"
    searchable = False

    def convert(self, raw):
        from .models import Record

        text = raw.get("id") if isinstance(raw, dict) else str(raw).strip()
        try:
            record_uuid = uuid.UUID(str(text))
        except ValueError:
            raise FieldError(_("Choose an existing record.")) from None
        if not Record.objects.filter(
            uuid=record_uuid, register__code=self.spec["target"], deleted_at__isnull=True
        ).exists():
            raise FieldError(
                _("There is no such record in the register “%(register)s”.") % {"register": self.spec["target"]}
            )
        return str(record_uuid)


class AddressField(FieldType):
    code = "address"
    PARTS = ("settlement", "street", "building", "apartment")

    def convert(self, raw):
        if isinstance(raw, str):
            parts = [p.strip() for p in raw.split(",")]
            raw = dict(zip(self.PARTS, parts + [""] * (4 - len(parts)))) if len(parts) <= 4 else None
        if not isinstance(raw, dict) or set(raw) - set(self.PARTS):
            raise FieldError(_("Give the address as settlement, street, building, apartment."))
        value = {part: " ".join(str(raw.get(part) or "").split()) for part in self.PARTS}
        if not value["settlement"] or not value["street"]:
            raise FieldError(_("The address needs at least a settlement and a street."))
        for text in value.values():
            if len(text) > 150:
                raise FieldError(_("At most %(limit)s characters.") % {"limit": 150})
        return value

    def to_text(self, value):
        if not value:
            return ""
        return ", ".join(value[p] for p in self.PARTS if value.get(p))


class PointField(FieldType):
    code = "point"
    searchable = False

    def convert(self, raw):
        if isinstance(raw, str):
            parts = raw.replace(";", ",").split(",")
            raw = {"lat": parts[0], "lon": parts[1]} if len(parts) == 2 else None
        try:
            lat, lon = float(raw["lat"]), float(raw["lon"])
        except (TypeError, KeyError, ValueError):
            raise FieldError(_("Give the point as latitude, longitude.")) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise FieldError(_("Latitude must lie between -90 and 90, longitude between -180 and 180."))
        return {"lat": round(lat, 7), "lon": round(lon, 7)}

    def to_text(self, value):
        return "" if not value else f"{value['lat']}, {value['lon']}"


class FileField(FieldType):
    """Stored as {name, size, content_type, key}; the upload itself goes to the municipality's
    storage through services.store_file, which checks size and type by content."""

    code = "file"
    searchable = False

    def convert(self, raw):
        if isinstance(raw, dict) and {"name", "size", "content_type", "key"} <= set(raw):
            return {k: raw[k] for k in ("name", "size", "content_type", "key")}
        raise FieldError(_("Upload a file."))

    def to_text(self, value):
        return "" if not value else value["name"]


TYPES = {
    cls.code: cls
    for cls in (
        TextField,
        LongTextField,
        IntegerField,
        DecimalField,
        DateField,
        BooleanField,
        ChoiceField,
        PersonalIdField,
        ReferenceField,
        AddressField,
        PointField,
        FileField,
    )
}


def make_field(spec):
    return TYPES[spec["type"]](spec)
