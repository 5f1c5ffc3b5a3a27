"""The local outbox (`EMAIL_URL=outbox://`, the default of `hamaynk run`): messages are kept,
listed and read on the console (every message) and in a municipality's staff area (its own only)."""

import pytest
from django.core.mail import EmailMultiAlternatives, send_mail
from django_tenants.utils import schema_context

from hamaynk import mail_outbox
from tests.registers_helpers import signed_in
from tests.test_console import console


@pytest.fixture
def outbox(settings, tmp_path):
    settings.EMAIL_BACKEND = mail_outbox.BACKEND
    settings.EMAIL_OUTBOX_DIR = str(tmp_path)
    settings.TWO_FACTOR_REQUIRED = False
    return tmp_path


def send_from(municipality, subject, to="resident@example.am"):
    with schema_context(municipality.schema_name):
        message = EmailMultiAlternatives(subject, "Բարև։\nՏես https://example.am/a\n", to=[to])
        message.attach_alternative(f"<p>{subject} <b>HTML</b></p>", "text/html")
        message.attach("receipt.pdf", b"%PDF-1.7\n", "application/pdf")
        assert message.send() == 1
    (stored,) = (mail_outbox.folder() / municipality.schema_name).glob("*.eml")
    return stored.stem


def test_the_backend_stores_each_message_under_the_schema_that_sent_it(outbox, alpha):
    message_id = send_from(alpha, "Ձեր դիմումը")
    assert send_mail("Platform", "text", None, ["m@example.am"]) == 1  # the public schema's
    (read,) = mail_outbox.messages(alpha.schema_name)
    assert (read.id, read.subject, read.to) == (message_id, "Ձեր դիմումը", "resident@example.am")
    whole = mail_outbox.message(alpha.schema_name, message_id)
    assert "Տես https://example.am/a" in whole.text and "<b>HTML</b>" in whole.html
    assert whole.attachments == [{"name": "receipt.pdf", "type": "application/pdf", "size": 9}]
    assert {m.schema for m in mail_outbox.messages()} == {alpha.schema_name, "public"}


def test_the_console_lists_and_shows_every_message(outbox, alpha, beta, client_for, ministry_user):
    from_alpha = send_from(alpha, "Alpha's letter")
    send_from(beta, "Beta's letter")
    client = console(client_for, ministry_user)
    listing = client.get("/console/outbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Alpha&#x27;s letter" in listing and "Beta&#x27;s letter" in listing
    assert alpha.name in listing
    page = client.get(f"/console/outbox/{alpha.schema_name}/{from_alpha}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "resident@example.am" in html and "receipt.pdf" in html
    assert '<a href="https://example.am/a"' in html  # the text body, with its links
    assert "&lt;b&gt;HTML&lt;/b&gt;" in html  # the HTML alternative as source, never rendered
    assert client.get(f"/console/outbox/{alpha.schema_name}/20260101T000000000000-000000000000/").status_code == 404
    assert client.get(f"/console/outbox/..%2Fetc/{from_alpha}/").status_code == 404


def test_a_municipality_administrator_reads_its_own_messages_only(outbox, alpha, beta, client_for):
    from_alpha = send_from(alpha, "Alpha's letter")
    from_beta = send_from(beta, "Beta's letter")
    admin = signed_in(client_for, alpha, "outbox-admin@alpha.test", "administrator")
    listing = admin.get("/staff/outbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Alpha&#x27;s letter" in listing and "Beta" not in listing
    assert admin.get(f"/staff/outbox/{from_alpha}/").status_code == 200
    assert admin.get(f"/staff/outbox/{from_beta}/").status_code == 404  # beta's message, asked of alpha
    assert "/staff/outbox/" in admin.get("/staff/").content.decode()
    specialist = signed_in(client_for, alpha, "outbox-specialist@alpha.test", "specialist")
    assert specialist.get("/staff/outbox/").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(outbox, alpha, client_for):
    message_id = send_from(alpha, "Letter")
    for url in ("/staff/outbox/", f"/staff/outbox/{message_id}/"):
        response = client_for(alpha.primary_host).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/?next=")
    for url in ("/console/outbox/", f"/console/outbox/{alpha.schema_name}/{message_id}/"):
        response = client_for("localhost").get(url)
        assert response.status_code == 302 and response["Location"].startswith("/console/login/")


def test_with_another_email_backend_there_is_no_outbox(settings, alpha, client_for, ministry_user):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TWO_FACTOR_REQUIRED = False
    client = console(client_for, ministry_user)
    assert client.get("/console/outbox/").status_code == 404
    assert "/console/outbox/" not in client.get("/console/").content.decode()
    admin = signed_in(client_for, alpha, "outbox-admin@alpha.test", "administrator")
    assert admin.get("/staff/outbox/").status_code == 404
    assert "/staff/outbox/" not in admin.get("/staff/").content.decode()


def test_the_outbox_url_setting():
    import subprocess
    import sys

    probe = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"
    env = {"EMAIL_URL": "outbox://", "DJANGO_SETTINGS_MODULE": "hamaynk.settings"}
    import os

    out = subprocess.run([sys.executable, "-c", probe], env={**os.environ, **env}, capture_output=True, text=True)
    assert out.stdout.strip() == mail_outbox.BACKEND, out.stderr
