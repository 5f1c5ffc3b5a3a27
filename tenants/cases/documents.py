"""The PDFs of a case: the intake receipt handed to the applicant, and the output document a
granted application produces, which carries a code anyone can check on the public page.

Text is set in DejaVu Sans, which has the Armenian alphabet and ships inside matplotlib's
package: a machine with nothing but the project's `pip install` renders Armenian without any
system font (docs/decisions.md)."""

import datetime
import functools
import importlib.util
import io
import re
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hamaynk.tenancy.current import municipality_identity
from hamaynk.tenancy.models import Municipality
from tenants.profile.models import MunicipalProfile

from . import workflow
from .models import Case, CaseFile

FONT = "DejaVu"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MISSING = "—"
MARGIN = 20  # mm
EMBLEM = 22  # mm, the height of the coat of arms


@functools.cache
def font_files():
    """Regular and bold DejaVu Sans from matplotlib's data folder, found without importing
    matplotlib itself (which would pull in numpy for two file names)."""
    spec = importlib.util.find_spec("matplotlib")
    folder = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
    return {"": folder / "DejaVuSans.ttf", "B": folder / "DejaVuSans-Bold.ttf"}


def current_municipality():
    """The municipality whose schema is in use (its row, for the name and the site address)."""
    tenant = connection.tenant
    if isinstance(tenant, Municipality):
        return tenant
    return Municipality.objects.get(uuid=municipality_identity()[0])


def _text(translations):
    """A {hy, en, ru} value of the catalogue in the active language, Armenian when missing."""
    translations = translations or {}
    return translations.get(translation.get_language()[:2]) or translations.get("hy") or ""


def _date(value):
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return value.strftime("%d.%m.%Y")


def _fee(amount):
    """DejaVu Sans has no dram sign (U+058F), so the currency is written out."""
    if not amount:
        return _("free")
    return _("%(amount)s AMD") % {"amount": f"{amount:,}".replace(",", "\u00a0")}


class Document(FPDF):
    """An A4 page in DejaVu Sans with the few shapes our documents have. `footer_text` is
    repeated at the foot of every page, so a long document is checkable from any page."""

    def __init__(self, title, footer_text=""):
        super().__init__(format="A4")
        for style, path in font_files().items():
            self.add_font(FONT, style, str(path))
        self.footer_text = footer_text
        self.set_title(title)
        self.set_creator("Hamaynk")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 10)
        self.add_page()
        self.set_font(FONT, size=11)

    def footer(self):
        if self.footer_text:
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


def output_pdf(case, signer=""):
    """The output document in the applicant's language; its verification code is on every page."""
    municipality = current_municipality()
    profile = MunicipalProfile.objects.first()
    with translation.override(case.applicant_language or "hy"):
        title = _text(case.service.output.get("title")) or case.service.name
        verify = _("Verify at %(url)s: %(code)s") % {
            "url": municipality.site_url("/verify/"),
            "code": case.verification_code,
        }
        pdf = Document(title, footer_text=verify)
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
        if signer:
            pdf.ln(16)
            pdf.line_of(_("Signed by: %(name)s") % {"name": signer})
        return bytes(pdf.output())


def issue_output(case, event, user=None):
    """Gives the case its verification code and stores its output document, once: a case that
    already has one gets the same file back. Called inside the workflow's transaction, with
    the case row locked."""
    existing = case.files.filter(kind=CaseFile.Kind.OUTPUT).first()
    if existing:
        return existing
    case.verification_code = _new_verification_code()
    signer = user.get_full_name() if user else ""
    content = output_pdf(case, signer)
    name = f"{case.year}-{case.number:05d}-{case.service.code}.pdf"
    key = default_storage.save(f"cases/{case.year}/{case.number}/output/{name}", ContentFile(content))
    case.save(update_fields=["verification_code"])
    return CaseFile.objects.create(
        case=case,
        event=event,
        kind=CaseFile.Kind.OUTPUT,
        name=name,
        size=len(content),
        content_type="application/pdf",
        key=key,
    )
