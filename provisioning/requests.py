"""What the ministry asks for when it onboards a municipality, and the checks on it.

The console form, `hamaynk provision` (flags or CSV) and the Celery task all build a
MunicipalityRequest and get the same messages back for bad input.
"""

import re
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from hamaynk.tenancy.models import Domain, Municipality, Region

SLUG_RE = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,39}$")


def validate_slug(slug, *, check_taken=True):
    """Raises ValidationError with a message a ministry operator can act on."""
    if not slug:
        raise ValidationError(_("Enter a subdomain."), code="required")
    if slug != slug.lower() and SLUG_RE.match(slug.lower()):
        raise ValidationError(_("The subdomain must be in lower case."), code="case")
    if not SLUG_RE.match(slug):
        raise ValidationError(
            _(
                "Use 2 to 40 Latin letters, digits and single hyphens, starting with a letter "
                "and not ending with a hyphen (for example: aparan, nor-hachn)."
            ),
            code="invalid",
        )
    if slug in settings.RESERVED_SLUGS:
        raise ValidationError(_("“%(slug)s” is reserved by the platform."), code="reserved", params={"slug": slug})
    if check_taken:
        host = f"{slug}.{settings.PLATFORM_DOMAIN}"
        if Municipality.objects.filter(slug=slug).exists() or Domain.objects.filter(domain=host).exists():
            raise ValidationError(_("The subdomain “%(slug)s” is already taken."), code="taken", params={"slug": slug})


DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")


def validate_domain(domain):
    """A municipality's own domain: a valid host name nobody else uses."""
    if not DOMAIN_RE.match(domain or ""):
        raise ValidationError(_("“%(domain)s” is not a valid domain name."), code="invalid", params={"domain": domain})
    if domain == settings.PLATFORM_DOMAIN or Domain.objects.filter(domain=domain).exists():
        raise ValidationError(_("The domain “%(domain)s” is already in use."), code="taken", params={"domain": domain})


def parse_settlements(text):
    """'Ապարան|Aparan|Апаран; Քասախ' -> [{"hy":.., "en":.., "ru":..}, ...]; missing names fall back to hy."""
    settlements = []
    for chunk in re.split(r"[;\n]", text or ""):
        parts = [p.strip() for p in chunk.split("|")]
        if not parts[0]:
            continue
        hy = parts[0]
        en = parts[1] if len(parts) > 1 and parts[1] else hy
        ru = parts[2] if len(parts) > 2 and parts[2] else hy
        settlements.append({"hy": hy, "en": en, "ru": ru})
    return settlements


@dataclass
class MunicipalityRequest:
    slug: str
    names: dict
    region: str
    admin_email: str
    settlements: list = field(default_factory=list)
    template: str = ""
    phone: str = ""
    email: str = ""
    # The municipality's address: {"hy": .., "en": .., "ru": ..}; a plain string is the Armenian
    # one (the others stay empty until the profile gives them, and pages show the Armenian).
    address: dict | str = ""
    admin_first_name: str = ""
    admin_last_name: str = ""
    centre_is_town: bool = True
    extra_domains: list = field(default_factory=list)
    # Only the demo data sets this: the administrator gets a password instead of a link.
    admin_password: str = ""

    def __post_init__(self):
        self.template = self.template or settings.PROVISIONING_DEFAULT_TEMPLATE
        self.slug = (self.slug or "").strip()
        given = self.address if isinstance(self.address, dict) else {"hy": self.address or ""}
        self.address = {lang: (given.get(lang) or "").strip() for lang in ("hy", "en", "ru")}
        if not self.settlements and self.names.get("hy"):
            self.settlements = [dict(self.names)]

    def as_json(self):
        data = asdict(self)
        data.pop("admin_password")
        return data

    @classmethod
    def from_json(cls, data):
        return cls(**data)

    def errors(self, *, check_taken=True):
        """{field: [message, ...]} for everything wrong with the request; empty when it is fine."""
        found = {}

        def add(name, message):
            found.setdefault(name, []).append(str(message))

        try:
            validate_slug(self.slug, check_taken=check_taken)
        except ValidationError as exc:
            for message in exc.messages:
                add("slug", message)
        for lang in ("hy", "en", "ru"):
            if not (self.names.get(lang) or "").strip():
                add(f"name_{lang}", _("Enter the municipality's name in every language."))
        if not Region.objects.filter(code=self.region).exists():
            add("region", _("Choose one of the regions (marzer)."))
        try:
            validate_email(self.admin_email)
        except ValidationError:
            add("admin_email", _("Enter a valid email address for the first administrator."))
        if self.email:
            try:
                validate_email(self.email)
            except ValidationError:
                add("email", _("Enter a valid email address."))
        from .template_format import available_templates

        if self.template not in available_templates():
            add("template", _("There is no template named “%(name)s”.") % {"name": self.template})
        names = [s["hy"] for s in self.settlements]
        if len(names) != len(set(names)):
            add("settlements", _("A settlement is listed twice."))
        for settlement in self.settlements:
            if any(mark in value for value in settlement.values() for mark in (",", "،")):
                add(
                    "settlements",
                    _(
                        "“%(text)s” has a comma: put each settlement on a line of its own (or separate "
                        "them with semicolons), with its names in Armenian | English | Russian."
                    )
                    % {"text": " | ".join(dict.fromkeys(settlement.values()))},
                )
        hy = (self.names.get("hy") or "").strip()
        if check_taken and hy:
            clash = (
                Municipality.objects.filter(region__code=self.region, name_hy__iexact=hy)
                .exclude(slug=self.slug)
                .exclude(status=Municipality.Status.ARCHIVED)
                .first()
            )
            if clash is not None:
                add(
                    "name_hy",
                    _("This region already has a municipality named “%(name)s” (%(host)s).")
                    % {"name": clash.name_hy, "host": clash.primary_host},
                )
        for domain in self.extra_domains:
            try:
                validate_domain(domain)
            except ValidationError as exc:
                add("extra_domains", exc.messages[0])
        return found
