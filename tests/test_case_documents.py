"""Case documents: the intake receipt, the output document a grant produces, its public
verification by code, the applicant's download, and isolation between municipalities."""

import io
import re

import pytest
from django.utils import translation
from django_tenants.utils import schema_context
from pypdf import PdfReader

from tenants.cases import documents, workflow
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
    specialist = staff_user(town, "spec@documents.test", "specialist")
    case = submitted(town, **kwargs)
    with schema_context(town.schema_name):
        workflow.apply(case, "accept", user=operator)
        return workflow.apply(case, "grant", user=specialist)


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


def test_the_output_document_is_in_the_applicants_language_and_signed(town):
    case = granted(town, applicant={**APPLICANT, "language": "en"})
    with schema_context(town.schema_name):
        case = Case.objects.get(pk=case.pk)
        text = pdf_text(documents.output_pdf(case, signer="Արմեն Սարգսյան"))
    assert "CERTIFICATE" in text and "This is to certify that Անի Պետրոսյան is registered" in text
    assert "Արմեն Սարգսյան" in text and case.decided_at.strftime("%d.%m.%Y") in text


def test_missing_values_and_unknown_placeholders_print_as_a_dash(town):
    case = submitted(town)
    with schema_context(town.schema_name):
        case = Case.objects.select_related("service").get(pk=case.pk)
        case.data.pop("purpose")
        case.service.output = {"title": {"hy": "Տ"}, "body": {"hy": "{first_name} {purpose} {no_such_field} {"}}
        with translation.override("hy"):
            assert documents._body(case) == "Անի — — {"
        assert "Անի — — {" in pdf_text(documents.output_pdf(case))


def test_the_verification_page_confirms_a_real_code_without_personal_data(town, client_for):
    case = granted(town)
    citizen = client_for(town.primary_host)
    form = citizen.get("/verify/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="code"' in form and 'id="valid"' not in form and 'id="not-valid"' not in form
    page = citizen.get("/verify/", {"code": case.verification_code.lower()}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="valid"' in html
    assert case.reg_number in html and "Certificate of residence" in html and f"Community {town.slug}" in html
    assert case.decided_at.strftime("%d.%m.%Y") in html
    for private in ("Պետրոսյան", "Անի", RESIDENCE["psn"], "Բաղրամյան", case.tracking_code):
        assert private not in html
    wrong = citizen.get("/verify/", {"code": "AAAA-BBBB-CCCC-DDDD"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="not-valid"' in wrong and 'id="valid"' not in wrong


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
    assert other.get("/track/document.pdf", {"code": case.tracking_code}).status_code == 404
