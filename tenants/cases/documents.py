"""The PDFs of a case: the intake receipt handed to the applicant, and the output document a
granted application produces, which carries a code anyone can check on the public page.

Text is set in Noto Sans with Noto Sans Armenian for the Armenian letters and the dram sign,
both shipped inside the package (hamaynk.fonts): a machine with nothing but the project's
`pip install` prints Armenian without any system font (docs/decisions.md). The output document
carries a QR code of its verification page and names its signatory."""

import datetime
import io
import re
from urllib.parse import urlencode

import segno
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hamaynk import fonts
from hamaynk.tenancy.current import municipality_identity
from hamaynk.tenancy.models import Municipality
from tenants.accounts.models import Role
from tenants.profile.models import MunicipalProfile

from . import workflow
from .models import Case, CaseFile

FONT = "NotoSans"
ARMENIAN_FONT = "NotoSansArmenian"  # the fallback for what Noto Sans lacks: Armenian and ֏
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MISSING = "—"
MARGIN = 20  # mm
EMBLEM = 22  # mm, the height of the coat of arms
QR = 22  # mm, the side of the verification QR code at the foot of each page
LANGUAGES = ("hy", "en", "ru")


def current_municipality():
    """The municipality whose schema is in use (its row, for the name and the site address)."""
    tenant = connection.tenant
    if isinstance(tenant, Municipality):
        return tenant
    return Municipality.objects.get(uuid=municipality_identity()[0])


def _text(translations, language=None):
    """A {hy, en, ru} value of the catalogue in `language` (the active one by default), Armenian
    when missing."""
    translations = translations or {}
    language = language or translation.get_language()[:2]
    return translations.get(language) or translations.get("hy") or ""


def _date(value):
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return value.strftime("%d.%m.%Y")


def _fee(amount):
    if not amount:
        return _("free")
    return f"{amount:,}".replace(",", "\u00a0") + "\u00a0֏"


def verification_url(municipality, code):
    """The public verification page with the code filled in, on the municipality's own host."""
    return municipality.site_url("/verify/?" + urlencode({"code": code}))


def qr_png(text):
    """A QR code of `text` as a PNG, one pixel per module (the PDF scales it without smoothing)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=1, border=0)
    return buffer.getvalue()


class Document(FPDF):
    """An A4 page in Noto Sans with the few shapes our documents have. `footer_text` is
    repeated at the foot of every page, and `footer_qr` (a URL) as a QR code beside it, so a long
    document is checkable from any page."""

    def __init__(self, title, footer_text="", footer_qr=""):
        super().__init__(format="A4")
        for family, files in ((FONT, fonts.LATIN), (ARMENIAN_FONT, fonts.ARMENIAN)):
            for style, path in files.items():
                self.add_font(family, style, str(path))
        self.set_fallback_fonts([ARMENIAN_FONT])
        self.footer_text = footer_text
        self.footer_qr = qr_png(footer_qr) if footer_qr else None
        self.set_title(title)
        self.set_creator("Hamaynk")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + (QR if self.footer_qr else 10))
        self.add_page()
        self.set_font(FONT, size=11)

    def footer(self):
        if self.footer_qr:
            top = self.h - MARGIN - QR + 6
            self.image(io.BytesIO(self.footer_qr), x=self.w - MARGIN - QR, y=top, w=QR, h=QR)
            self.set_xy(self.l_margin, top + 4)
            self.set_font(FONT, "", 9)
            self.multi_cell(self.epw - QR - 5, 5, self.footer_text, align="L")
        elif self.footer_text:
            self.set_y(-MARGIN - 4)
            self.set_font(FONT, "", 9)
            self.multi_cell(0, 5, self.footer_text, align="C")

    def line_of(self, text, size=11, bold=False, align="L", height=6):
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 11)

    def rule(self):
        self.ln(2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)

    def facts(self, rows):
        """Label and value side by side; long values wrap in their column."""
        with self.table(
            col_widths=(40, 60), borders_layout="NONE", first_row_as_headings=False, text_align="LEFT", line_height=7
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(label)
                row.cell(str(value))

    def emblem(self, profile):
        """The coat of arms at the top right; False when there is none it can read (a broken
        image must not stop a receipt or a decision)."""
        if not profile or not profile.coat_of_arms:
            return False
        try:
            with profile.coat_of_arms.open("rb") as handle:
                self.image(io.BytesIO(handle.read()), x=self.w - MARGIN - EMBLEM, y=self.t_margin, h=EMBLEM)
        except (OSError, ValueError):
            return False
        return True


def _header(pdf, municipality, profile):
    """The municipality's name and contacts beside its coat of arms."""
    top = pdf.get_y()
    emblem = pdf.emblem(profile)
    if emblem:
        pdf.set_right_margin(MARGIN + EMBLEM + 5)
    pdf.line_of(profile.name if profile else municipality.name, size=13, bold=True)
    if profile:
        contacts = " · ".join(part for part in (profile.address, profile.phone, profile.email) if part)
        if contacts:
            pdf.line_of(contacts, size=9)
    pdf.set_right_margin(MARGIN)
    if emblem:
        pdf.set_y(max(pdf.get_y(), top + EMBLEM))
    pdf.rule()


def receipt_pdf(case):
    """The intake receipt, in the applicant's language: what was applied for, under which
    number, when it is expected, and the code to follow it online."""
    municipality = current_municipality()
    profile = MunicipalProfile.objects.first()
    with translation.override(case.applicant_language or "hy"):
        pdf = Document(_("Application receipt"))
        _header(pdf, municipality, profile)
        pdf.line_of(_("Application receipt"), size=16, bold=True, align="C", height=9)
        pdf.ln(4)
        pdf.facts(
            [
                (_("Service"), case.service.name),
                (_("Registration number"), case.reg_number),
                (_("Registered on"), timezone.localtime(case.submitted_at).strftime("%d.%m.%Y %H:%M")),
                (_("Applicant"), case.applicant_name),
                (_("Fee"), _fee(case.service.fee_amd)),
                (_("Expected by"), _date(case.due_date)),
                (_("Tracking code"), case.tracking_code),
            ]
        )
        pdf.ln(6)
        pdf.line_of(
            _("Follow the application at %(url)s with the tracking code.") % {"url": municipality.site_url("/track/")},
            size=10,
        )
        return bytes(pdf.output())


def _body(case):
    """The service's output text with each {field} replaced by the value the applicant gave.
    A field left empty, or a placeholder the form does not have, prints as a dash: a template
    edited by the municipality must never stop a decision from being issued."""
    fields = case.service.form_fields

    def value(match):
        code = match.group(1)
        if code not in fields or case.data.get(code) in (None, "", {}, []):
            return MISSING
        return fields[code].display(case.data[code]) or MISSING

    return PLACEHOLDER.sub(value, _text(case.service.output.get("body")))


def _new_verification_code():
    while True:
        code = workflow.new_code(groups=4)
        if not Case.objects.filter(verification_code=code).exists():
            return code


def output_title(case, language=None):
    """The document's title as printed: the service's output title, or its name."""
    with translation.override(language or case.applicant_language or "hy"):
        return _text(case.service.output.get("title")) or case.service.name


def signatory(case, event, user):
    """Who signs the output document: the staff member who made the deciding transition, and
    their position — the role by which the workflow let them make it (the first of their roles
    when none of them is named there, as for an administrator). Nobody for an applicant's own
    action. An account without a name (a user name is often an email address) signs by its
    position only."""
    if user is None:
        return "", {}
    name = user.get_full_name()
    transition = next((t for t in case.service.workflow["transitions"] if t["code"] == event.action), {})
    roles = list(Role.objects.filter(group__user=user))
    role = next((r for r in roles if r.code in transition.get("roles", ())), roles[0] if roles else None)
    position = {language: getattr(role, f"name_{language}") for language in LANGUAGES} if role else {}
    return name, position


def output_pdf(case):
    """The output document in the applicant's language; its verification code and a QR code of
    the verification page are on every page, its signatory under the text."""
    municipality = current_municipality()
    profile = MunicipalProfile.objects.first()
    language = case.applicant_language or "hy"
    with translation.override(language):
        title = output_title(case, language)
        verify = _("Verify at %(url)s: %(code)s") % {
            "url": municipality.site_url("/verify/"),
            "code": case.verification_code,
        }
        pdf = Document(title, footer_text=verify, footer_qr=verification_url(municipality, case.verification_code))
        _header(pdf, municipality, profile)
        pdf.facts(
            [
                (_("Registration number"), case.reg_number),
                (_("Date of decision"), _date(case.decided_at or timezone.now())),
            ]
        )
        pdf.ln(8)
        pdf.line_of(title, size=16, bold=True, align="C", height=9)
        pdf.ln(6)
        pdf.line_of(_body(case), size=12, align="J", height=7)
        if case.signatory_name or case.signatory_position:
            pdf.ln(16)
            position = _text(case.signatory_position, language)
            half = pdf.epw / 2
            pdf.multi_cell(half, 6, position, new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.set_font(FONT, "B", 11)
            pdf.multi_cell(half, 6, case.signatory_name, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FONT, "", 11)
        return bytes(pdf.output())


def issue_output(case, event, user=None):
    """Gives the case its verification code and stores its output document, once: a case that
    already has one gets the same file back. Called inside the workflow's transaction, with
    the case row locked."""
    existing = case.files.filter(kind=CaseFile.Kind.OUTPUT).first()
    if existing:
        return existing
    case.verification_code = _new_verification_code()
    case.signatory_name, case.signatory_position = signatory(case, event, user)
    content = output_pdf(case)
    name = f"{case.year}-{case.number:05d}-{case.service.code}.pdf"
    key = default_storage.save(f"cases/{case.year}/{case.number}/output/{name}", ContentFile(content))
    case.save(update_fields=["verification_code", "signatory_name", "signatory_position"])
    return CaseFile.objects.create(
        case=case,
        event=event,
        kind=CaseFile.Kind.OUTPUT,
        name=name,
        size=len(content),
        content_type="application/pdf",
        key=key,
    )
