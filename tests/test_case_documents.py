"""Case documents: the intake receipt, the output document a grant produces (its signatory, its
QR code), its public verification by code, the applicant's download, the fonts the PDFs embed,
and isolation between municipalities."""

import importlib
import io
import re

import pytest
import segno
from django.core.files.storage import default_storage
from django.utils import translation
from django_tenants.utils import schema_context
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from hamaynk import fonts
from tenants.cases import documents, verification, workflow
from tenants.cases.models import Case, CaseFile
from tenants.catalogue.models import Service
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in, staff_user

RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": "Կենտրոն, Բաղրամյան, 11, 4",
    "purpose": "Բանկ",
}
# No email or phone: the applicant is not notified, so these tests leave no tasks for a later
# test's Celery worker to work through.
APPLICANT = {"name": "Անի Պետրոսյան", "language": "hy"}
VERIFICATION_CODE = re.compile(rf"^[{workflow.CODE_ALPHABET}]{{4}}(-[{workflow.CODE_ALPHABET}]{{4}}){{3}}$")


@pytest.fixture(scope="module")
def town():
    return provision_ok()


def pdf_text(content):
    """The document's words with single spaces: justified lines come out with wider gaps."""
    assert content.startswith(b"%PDF")
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def downloaded(response):
    return b"".join(response.streaming_content)


def submitted(town, applicant=APPLICANT, data=RESIDENCE):
    with schema_context(town.schema_name):
        return workflow.submit(
            Service.objects.get(code="residence_certificate"), data, applicant=applicant, channel="window"
        )


def granted(town, **kwargs):
    operator = staff_user(town, "op@documents.test", "front_office")
    specialist = named(staff_user(town, "spec@documents.test", "specialist"), town)
    case = submitted(town, **kwargs)
    with schema_context(town.schema_name):
        workflow.apply(case, "accept", user=operator)
        return workflow.apply(case, "grant", user=specialist)


def named(user, town, first="Արմեն", last="Սարգսյան"):
    with schema_context(town.schema_name):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return user


def stored_output(town, case):
    with schema_context(town.schema_name):
        output = Case.objects.get(pk=case.pk).files.get(kind=CaseFile.Kind.OUTPUT)
        with default_storage.open(output.key, "rb") as handle:
            return handle.read()


def embedded_fonts(content):
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(font.get_object()["/BaseFont"].split("+")[-1])
    return names


def qr_text_matches(content, text):
    """Whether the QR code drawn on the first page is the one of `text`: its modules, read back
    from the embedded image, equal those segno draws for that text."""
    images = PdfReader(io.BytesIO(content)).pages[0].images
    assert images, "no image on the page"
    expected = segno.make(text, error="m").matrix
    for image in images:
        picture = image.image.convert("L")
        if picture.size != (len(expected), len(expected)):
            continue
        found = [
            [1 if picture.getpixel((x, y)) < 128 else 0 for x in range(picture.width)] for y in range(picture.height)
        ]
        return found == [list(row) for row in expected]
    return False


def test_the_receipt_has_the_number_the_code_and_the_applicants_language(town, client_for):
    operator = signed_in(client_for, town, "op-receipt@documents.test", "front_office")
    case = submitted(town, applicant={**APPLICANT, "language": "en"})
    response = operator.get(f"/staff/cases/{case.pk}/receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    text = pdf_text(response.content)
    for expected in (
        case.reg_number,
        case.tracking_code,
        "Application receipt",
        "Certificate of residence",
        "Անի Պետրոսյան",
        case.due_date.strftime("%d.%m.%Y"),
        f"http://{town.primary_host}",
    ):
        assert expected in text
    page = operator.get(f"/staff/cases/{case.pk}/").content.decode()
    assert f'href="/staff/cases/{case.pk}/receipt.pdf"' in page


def test_the_receipt_is_for_staff_only(town, client_for):
    case = submitted(town)
    anonymous = client_for(town.primary_host).get(f"/staff/cases/{case.pk}/receipt.pdf")
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    with schema_context(town.schema_name):
        from django.contrib.auth import get_user_model

        nobody = get_user_model().objects.create_user("norole@documents.test", password="staff-password-1")
    client = client_for(town.primary_host)
    client.force_login(nobody)
    assert client.get(f"/staff/cases/{case.pk}/receipt.pdf").status_code == 403


def test_granting_issues_one_output_document_with_a_verification_code(town, client_for):
    operator = signed_in(client_for, town, "op-grant@documents.test", "front_office")
    specialist = signed_in(client_for, town, "spec-grant@documents.test", "specialist")
    case = submitted(town)
    assert operator.post(f"/staff/cases/{case.pk}/act/", {"action": "accept"}).status_code == 302
    assert specialist.post(f"/staff/cases/{case.pk}/act/", {"action": "grant"}).status_code == 302
    with schema_context(town.schema_name):
        case = Case.objects.get(pk=case.pk)
        outputs = list(case.files.filter(kind=CaseFile.Kind.OUTPUT))
        assert case.state == "ready" and len(outputs) == 1
        assert VERIFICATION_CODE.match(case.verification_code)
        assert outputs[0].event.action == "grant" and outputs[0].content_type == "application/pdf"
        assert documents.issue_output(case, case.events.last()).pk == outputs[0].pk  # once per case
        workflow.apply(case, "hand_over", user=staff_user(town, "op-grant@documents.test", "front_office"))
        assert case.files.filter(kind=CaseFile.Kind.OUTPUT).count() == 1
    page = specialist.get(f"/staff/cases/{case.pk}/").content.decode()
    assert outputs[0].name in page and case.verification_code in page
    content = downloaded(specialist.get(f"/staff/cases/{case.pk}/files/{outputs[0].pk}"))
    text = pdf_text(content)
    for expected in (
        "ՏԵՂԵԿԱՆՔ",
        "Անի Պետրոսյան",
        "Կենտրոն, Բաղրամյան, 11, 4",
        "Բանկ",
        case.reg_number,
        case.verification_code,
    ):
        assert expected in text
    assert re.search(rf"{re.escape(town.primary_host)}(:\d+)?/verify/", text)  # the port, when one is set


def test_the_output_document_is_in_the_applicants_language_and_names_its_signatory(town):
    case = granted(town, applicant={**APPLICANT, "language": "en"})
    with schema_context(town.schema_name):
        case = Case.objects.get(pk=case.pk)
    assert case.signatory_name == "Արմեն Սարգսյան"
    # The role by which the specialist granted it, in the three languages, kept with the case.
    assert case.signatory_position == {"hy": "Մասնագետ", "en": "Back-office specialist", "ru": "Специалист"}
    text = pdf_text(stored_output(town, case))
    assert "CERTIFICATE" in text and "This is to certify that Անի Պետրոսյան is registered" in text
    assert "Back-office specialist Արմեն Սարգսյան" in text and case.decided_at.strftime("%d.%m.%Y") in text


def test_the_signatory_is_the_one_who_decided_by_the_role_the_workflow_names(town):
    """A person with two roles signs as the one the grant is allowed to; an applicant's own
    action signs nobody; an account without a name signs by its position, never its user name."""
    from django.contrib.auth.models import Group

    both = named(staff_user(town, "two-roles@documents.test", "front_office"), town, "Լիլիթ", "Հակոբյան")
    with schema_context(town.schema_name):
        both.groups.add(Group.objects.get(name="specialist"))
        case = Case.objects.select_related("service").get(pk=submitted(town).pk)
        grant = case.events.model(action="grant")
        assert documents.signatory(case, grant, both) == (
            "Լիլիթ Հակոբյան",
            {"hy": "Մասնագետ", "en": "Back-office specialist", "ru": "Специалист"},
        )
        assert documents.signatory(case, grant, None) == ("", {})
        nameless = staff_user(town, "nameless@documents.test", "department_head")
        name, position = documents.signatory(case, grant, nameless)
        assert name == "" and position["en"] == "Head of department"


def test_documents_issued_before_keep_the_name_they_printed(town):
    """The migration that added the signatory fills in the name old documents printed (the
    deciding user's), and no position, which they did not print."""
    from django.apps import apps

    migration = importlib.import_module("tenants.cases.migrations.0003_signatory")
    case = granted(town)
    with schema_context(town.schema_name):
        Case.objects.filter(pk=case.pk).update(signatory_name="", signatory_position={})
        migration.name_signatories(apps, None)
        case = Case.objects.get(pk=case.pk)
    assert case.signatory_name == "Արմեն Սարգսյան" and case.signatory_position == {}


def test_the_output_document_has_a_qr_code_of_its_verification_page(town, settings):
    settings.PLATFORM_SCHEME = "https"
    settings.PLATFORM_PORT = ""
    case = granted(town)
    with schema_context(town.schema_name):
        case = Case.objects.get(pk=case.pk)
    url = f"https://{town.primary_host}/verify/?code={case.verification_code}"
    content = stored_output(town, case)
    assert qr_text_matches(content, url)
    assert not qr_text_matches(content, url.replace("https:", "http:"))
    assert f"https://{town.primary_host}/verify/" in pdf_text(content)


def test_pdfs_print_the_dram_sign_in_an_embedded_font_that_has_it(town):
    for style, path in fonts.ARMENIAN.items():
        cmap = TTFont(path).getBestCmap()
        assert 0x058F in cmap and 0x0531 in cmap, (style, path)
    for path in fonts.LATIN.values():
        cmap = TTFont(path).getBestCmap()
        assert {0x41, 0x0416, 0x2014} <= cmap.keys()
    case = submitted(town)
    with schema_context(town.schema_name):
        case = Case.objects.select_related("service").get(pk=case.pk)
        case.service.fee_amd = 1000
        content = documents.receipt_pdf(case)
    assert "1 000 ֏" in pdf_text(content)  # pdf_text makes the non-breaking spaces plain
    assert {"NotoSans", "NotoSansArmenian"} <= embedded_fonts(content)
    # The sign is drawn with the font's own glyph: the embedded Armenian subset maps U+058F.
    for font in PdfReader(io.BytesIO(content)).pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        if font["/BaseFont"].endswith("+NotoSansArmenian"):
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            assert 0x058F in embedded.getBestCmap()
            break
    else:
        raise AssertionError("the Armenian font is not embedded")


def test_missing_values_and_unknown_placeholders_print_as_a_dash(town):
    case = submitted(town)
    with schema_context(town.schema_name):
        case = Case.objects.select_related("service").get(pk=case.pk)
        case.data.pop("purpose")
        case.service.output = {"title": {"hy": "Տ"}, "body": {"hy": "{first_name} {purpose} {no_such_field} {"}}
        with translation.override("hy"):
            assert documents._body(case) == "Անի — — {"
        assert "Անի — — {" in pdf_text(documents.output_pdf(case))


def element(html, id):
    match = re.search(rf'id="{id}"[^>]*>(.*?)</', html, re.S)
    return match and " ".join(match.group(1).split())


def test_the_verification_page_shows_what_the_document_states_and_no_more(town, client_for):
    case = granted(town, applicant={**APPLICANT, "phone": "+37491000000"})
    citizen = client_for(town.primary_host)
    form = citizen.get("/verify/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="code"' in form and 'id="valid"' not in form and 'id="not-valid"' not in form
    typed = case.verification_code.lower().replace("-", " ")  # copied by hand from the paper
    page = citizen.get("/verify/", {"code": typed}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="valid"' in html
    assert case.reg_number in html and "Certificate of residence" in html
    assert element(html, "issuer") == f"Community {town.slug}"
    assert element(html, "holder") == "Ա*** Պետրոսյան"
    assert element(html, "subject") == "ՏԵՂԵԿԱՆՔ"  # the title as printed, in the document's language
    assert element(html, "decision") == "Granted"
    assert element(html, "decided") == case.decided_at.strftime("%d.%m.%Y")
    assert element(html, "signatory") == "Արմեն Սարգսյան, Մասնագետ"
    assert 'id="masking"' in html  # the rule is explained beside the name
    for private in ("Անի", RESIDENCE["psn"], "Բաղրամյան", "Բանկ", "+37491000000", case.tracking_code):
        assert private not in html
    wrong = citizen.get("/verify/", {"code": "AAAA-BBBB-CCCC-DDDD"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="not-valid"' in wrong and 'id="valid"' not in wrong
    assert f"Community {town.slug} issued no document with this verification code." in wrong
    malformed = citizen.get("/verify/", {"code": "12345"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="not-valid"' in malformed and "This is not a verification code" in malformed


def test_real_codes_are_rate_limited_like_the_other_lookups(town, client_for, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "verification": "2/h"}
    case = granted(town)
    visitor = client_for(town.primary_host)
    for _ in range(2):
        assert visitor.get("/verify/", {"code": case.verification_code}, REMOTE_ADDR="10.9.0.1").status_code == 200
    refused = visitor.get("/verify/", {"code": case.verification_code}, REMOTE_ADDR="10.9.0.1")
    assert refused.status_code == 429 and "Պետրոսյան" not in refused.content.decode()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Անի Պետրոսյան", "Ա*** Պետրոսյան"),
        ("Պետրոսյան Անի Արմենի", "Պետրոսյան Ա*** Ա***"),  # the surname first, as on an ID card
        ("Анна Тер-Петросян", "А*** Тер-Петросян"),
        ("Anna Smith", "A*** Smith"),  # no Armenian ending: the last word
        ("Մարիամ", "Մ***"),
        ("  ", ""),
    ],
)
def test_the_holders_name_is_masked_by_one_rule(name, shown):
    assert verification.masked_name(name) == shown


def test_the_applicant_downloads_the_document_by_tracking_code(town, client_for):
    case = granted(town)
    citizen = client_for(town.primary_host)
    track = citizen.get("/track/", {"code": case.tracking_code}).content.decode()
    assert f'href="/track/document.pdf?code={case.tracking_code}"' in track
    response = citizen.get("/track/document.pdf", {"code": case.tracking_code.lower()})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert case.verification_code in pdf_text(downloaded(response))
    waiting = submitted(town)
    assert citizen.get("/track/document.pdf", {"code": waiting.tracking_code}).status_code == 404
    assert 'id="output-document"' not in citizen.get("/track/", {"code": waiting.tracking_code}).content.decode()
    assert citizen.get("/track/document.pdf", {"code": "AAAA-BBBB-CCCC"}).status_code == 404
    assert citizen.get("/track/document.pdf").status_code == 404


def test_a_code_of_one_municipality_is_unknown_on_another(town, alpha, client_for):
    case = granted(town)
    other = client_for(alpha.primary_host)
    page = other.get("/verify/", {"code": case.verification_code}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="not-valid"' in page and case.reg_number not in page
    assert "Պետրոսյան" not in page and "Սարգսյան" not in page
    assert other.get("/track/document.pdf", {"code": case.tracking_code}).status_code == 404
