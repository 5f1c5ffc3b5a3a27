"""A form's errors come in one round: the online application's service fields and applicant,
and the console's onboarding checks, all at once; the summary links to every field."""

import pytest

from tests.conftest import provision_ok


@pytest.fixture(scope="module")
def town():
    return provision_ok()


def test_an_empty_online_application_gets_every_message_at_once(town, client_for):
    visitor = client_for(town.primary_host)
    response = visitor.post(
        "/apply/residence_certificate/", {"service": "residence_certificate"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"applicant_name", "applicant_email", "psn", "last_name", "first_name", "address", "purpose"}
    assert all(len(messages) == 1 for messages in errors.values())  # one message each, not two
    page = response.content.decode()
    assert page.count('<li><a href="#id_') == 7 and 'href="#id_address_0"' in page
    assert 'id="error-summary" tabindex="-1" autofocus' in page
    assert 'id="id_psn_error"' in page and 'aria-describedby="id_psn_error"' in page
    # A wrong value next to missing ones: every message in the same answer.
    response = visitor.post(
        "/apply/residence_certificate/",
        {"applicant_email": "nare@example.am", "psn": "12"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    errors = response.context["form"].errors
    assert "psn" in errors and "applicant_name" in errors and "applicant_email" not in errors


def test_required_fields_are_marked_the_same_way_with_one_line_explaining_it(town, client_for):
    page = client_for(town.primary_host).get("/apply/residence_certificate/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert html.count('id="required-note"') == 1 and "are required." in html
    required = html.count('<span class="required-mark" aria-hidden="true">*</span><span class="visually-hidden">')
    assert required == 7  # name, email and the service's five required fields; phone and documents are not
    assert '<legend>Registered address <span class="required-mark"' in html


def test_the_console_shows_the_requests_own_checks_with_the_fields(ministry_user):
    from hamaynk.console.forms import OnboardForm

    form = OnboardForm({"slug": "new-town", "settlements": "Ա\nԱ", "template": "nonexistent"})
    assert not form.is_valid()
    # Before, the duplicate settlement waited until the names, region and email were filled in.
    assert {"name_hy", "name_en", "name_ru", "region", "admin_email", "settlements", "template"} <= set(form.errors)
    assert all(len(messages) == 1 for messages in form.errors.values())
