"""Two-factor sign-in: enrolment, app codes and backup codes, who is asked, what an unverified
session reaches, lockout, resets, and that devices never cross schemas."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from hamaynk.twofactor import policy
from tenants.accounts.models import Role
from tests.conftest import provision_ok
from tests.registers_helpers import staff_user
from tests.two_factor_helpers import backup_code, current_totp


@pytest.fixture(scope="module")
def town():
    return provision_ok()


def password_only(client_for, municipality, username, password="staff-password-1"):
    client = client_for(municipality.primary_host)
    assert client.post("/staff/login/", {"username": username, "password": password}).status_code == 302
    return client


def secret_of(html):
    return re.search(r'id="secret"[^>]*>([A-Z2-7 ]+)<', html).group(1)


def other_code(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_enrolment_then_sign_in_with_an_app_code_and_a_backup_code_used_once(town, client_for):
    staff_user(town, "clerk@2fa.test", "secretary")
    client = password_only(client_for, town, "clerk@2fa.test")
    asked = client.get("/staff/registers/")
    assert asked.status_code == 302
    assert asked["Location"] == "/staff/two-factor/enrol/?next=%2Fstaff%2Fregisters%2F"
    page = client.get(asked["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<svg" in page and 'class="segno"' in page
    secret = secret_of(page)
    assert secret == secret_of(client.get("/staff/two-factor/enrol/").content.decode())  # a reload keeps the key
    # A wrong code is refused, and the device then makes the next try wait (django-otp's throttling).
    wrong = client.post(
        "/staff/two-factor/enrol/?next=/staff/registers/",
        {"code": other_code(current_totp(secret))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert wrong.status_code == 200 and "This code is not right" in wrong.content.decode()
    hurried = client.post("/staff/two-factor/enrol/", {"code": current_totp(secret)}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many wrong codes" in hurried.content.decode()
    assert client.get("/staff/registers/").status_code == 302
    time.sleep(1.1)
    confirmed = client.post("/staff/two-factor/enrol/?next=/staff/registers/", {"code": current_totp(secret)})
    assert confirmed.status_code == 302 and confirmed["Location"].startswith("/staff/two-factor/backup-codes/")
    sheet = client.get(confirmed["Location"]).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", sheet)
    assert len(codes) == 10 and 'download="hamaynk-backup-codes-' in sheet and "data-print" in sheet
    assert "hamaynk/print.js" in sheet
    assert 'href="/staff/registers/"' in sheet
    assert client.get(confirmed["Location"]).status_code == 302  # shown once
    assert client.get("/staff/registers/").status_code == 200
    with schema_context(town.schema_name):
        from tenants.audit.models import Entry

        enrolled = Entry.objects.filter(action=Entry.Action.TWO_FACTOR_ENROLLED, actor_label="clerk@2fa.test")
        assert enrolled.count() == 1
        assert not any(code in str(entry.changes) for entry in Entry.objects.all() for code in codes)

    # Next sign-in: a code is asked for; a backup code works once.
    again = password_only(client_for, town, "clerk@2fa.test")
    assert again.get("/staff/").headers["Location"] == "/staff/two-factor/?next=%2Fstaff%2F"
    assert again.post("/staff/two-factor/", {"code": codes[0]}).status_code == 302
    assert again.get("/staff/").status_code == 200
    third = password_only(client_for, town, "clerk@2fa.test")
    reused = third.post("/staff/two-factor/", {"code": codes[0]}, HTTP_ACCEPT_LANGUAGE="en")
    assert reused.status_code == 200 and "This code is not right" in reused.content.decode()
    time.sleep(1.1)
    # The app's code for the coming period (within django-otp's tolerance of one step; the
    # current period's code was spent on the enrolment and is not taken twice).
    from base64 import b32decode

    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    accepted = third.post("/staff/two-factor/?next=/staff/", {"code": f"{totp(key, drift=1):06d}"})
    assert accepted.status_code == 302 and accepted["Location"] == "/staff/"
    assert third.get("/staff/").status_code == 200
    with schema_context(town.schema_name):
        user = get_user_model().objects.get(username="clerk@2fa.test")
        assert StaticDevice.objects.get(user=user).token_set.count() == 9
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_an_unverified_session_reaches_nothing_behind_the_sign_in(town, client_for, ministry_user):
    staff_user(town, "head@2fa.test", "administrator")
    client = password_only(client_for, town, "head@2fa.test")
    for path in ("/staff/", "/staff/accounts/", "/staff/registers/", "/staff/cases/", "/cms/", "/cms/pages/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/staff/two-factor/"), path
    # Elsewhere the session counts as signed out: the public site shows no staff tools.
    assert client.get("/").wsgi_request.user.is_authenticated is False
    # The ministry console, likewise.
    console = client_for("localhost")
    assert (
        console.post("/console/login/", {"username": "minister", "password": "minister-password-1"}).status_code == 302
    )
    for path in ("/console/", "/console/onboard/", "/console/users/", f"/console/m/{town.uuid}/"):
        response = console.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/console/two-factor/"), path
    assert console.post("/console/two-factor/", {"code": backup_code(ministry_user)}).status_code == 302
    assert console.get("/console/").status_code == 200


def test_who_is_asked_follows_the_roles_permissions(town, client_for):
    with schema_context(town.schema_name):
        needs = {role.code: policy.role_requires(role) for role in Role.objects.all()}
    assert needs == {
        "administrator": True,
        "mayor": True,
        "secretary": True,
        "front_office": True,
        "specialist": True,
        "department_head": True,
        "editor": False,
        "author": False,
    }
    staff_user(town, "editor@2fa.test", "editor")
    editor = password_only(client_for, town, "editor@2fa.test")
    assert editor.get("/staff/").status_code == 200
    assert editor.get("/cms/").status_code == 200
    with schema_context(town.schema_name):
        from tenants.registers.models import Register, RegisterPermission

        role = Role.objects.get(code="editor")
        # Given a register with personal identifiers, the role is asked from then on ...
        RegisterPermission.objects.create(register=Register.objects.get(code="residents"), role=role, can_view=True)
        assert policy.role_requires(role)
        RegisterPermission.objects.filter(role=role, register__code="residents").delete()
        # ... and a role the template marks two_factor: true always is.
        role.two_factor = True
        role.save()
    try:
        assert editor.get("/staff/")["Location"].startswith("/staff/two-factor/enrol/")
    finally:
        with schema_context(town.schema_name):
            Role.objects.filter(code="editor").update(two_factor=False)


def test_wrong_codes_lock_the_user_name_like_wrong_passwords(town, client_for, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    staff_user(town, "guess@2fa.test", "specialist")
    backup_code("guess@2fa.test", town)
    client = password_only(client_for, town, "guess@2fa.test")
    for _attempt in range(2):
        assert client.post("/staff/two-factor/", {"code": "123456"}).status_code == 200
    locked = client.post("/staff/two-factor/", {"code": "123456"}, HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code in (403, 429) and "Too many wrong" in locked.content.decode()
    assert client.get("/staff/").status_code == 302 and client.get("/staff/")["Location"].startswith("/staff/login/")
    refused = client_for(town.primary_host).post(
        "/staff/login/", {"username": "guess@2fa.test", "password": "staff-password-1"}
    )
    assert refused.status_code in (403, 429)
    from axes.utils import reset

    with schema_context(town.schema_name):
        reset(username="guess@2fa.test")


def test_an_administrator_resets_a_colleagues_devices(town, client_for):
    from tests.two_factor_helpers import verified_login

    staff_user(town, "lost-phone@2fa.test", "front_office")
    backup_code("lost-phone@2fa.test", town)
    with schema_context(town.schema_name):
        admin = get_user_model().objects.get(username=f"admin@{town.slug}.test")
        member = get_user_model().objects.get(username="lost-phone@2fa.test")
    client = verified_login(client_for(town.primary_host), admin, town)
    page = client.get(f"/staff/accounts/{member.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reset two-factor sign-in" in page and "backup code left" in page
    response = client.post(f"/staff/accounts/{member.pk}/two-factor/reset/")
    assert response.status_code == 302
    with schema_context(town.schema_name):
        assert not StaticDevice.objects.filter(user=member).exists()
        from tenants.audit.models import Entry

        reset_entry = Entry.objects.filter(action=Entry.Action.TWO_FACTOR_RESET, object_id=str(member.pk)).get()
        assert reset_entry.actor_id == admin.pk
    member_client = password_only(client_for, town, "lost-phone@2fa.test")
    assert member_client.get("/staff/")["Location"].startswith("/staff/two-factor/enrol/")
    # Someone who may not change staff cannot reset anyone.
    staff_user(town, "nosy@2fa.test", "specialist")
    with schema_context(town.schema_name):
        nosy = get_user_model().objects.get(username="nosy@2fa.test")
    assert (
        verified_login(client_for(town.primary_host), nosy, town)
        .post(f"/staff/accounts/{admin.pk}/two-factor/reset/")
        .status_code
        == 403
    )


def test_the_ministry_resets_a_console_users_devices(client_for, ministry_user):
    from tests.two_factor_helpers import verified_login

    colleague, _ = get_user_model().objects.get_or_create(username="deputy", defaults={"is_staff": True})
    backup_code(colleague)
    client = verified_login(client_for("localhost"), ministry_user)
    assert 'data-user="deputy"' in client.get("/console/users/").content.decode()
    assert client.post(f"/console/users/{colleague.pk}/two-factor/reset/").status_code == 302
    assert not StaticDevice.objects.filter(user=colleague).exists()
    from tenants.audit.models import Entry

    # The console's own trail, in the public schema.
    assert Entry.objects.filter(action=Entry.Action.TWO_FACTOR_RESET, object_id=str(colleague.pk)).exists()


def test_devices_mean_nothing_in_another_schema(alpha, beta, client_for, ministry_user):
    for municipality in (alpha, beta):
        staff_user(municipality, "twin@2fa.test", "secretary")
    alpha_code = backup_code("twin@2fa.test", alpha)
    backup_code("twin@2fa.test", beta)
    beta_client = password_only(client_for, beta, "twin@2fa.test")
    refused = beta_client.post("/staff/two-factor/", {"code": alpha_code}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "This code is not right" in refused.content.decode()
    # A session verified on the console is nobody on a municipality's host.
    console = client_for("localhost")
    console.post("/console/login/", {"username": "minister", "password": "minister-password-1"})
    assert console.post("/console/two-factor/", {"code": backup_code(ministry_user)}).status_code == 302
    assert console.get("/console/").status_code == 200
    carried = client_for(alpha.primary_host)
    carried.cookies["sessionid"] = console.cookies["sessionid"].value
    assert carried.get("/staff/")["Location"].startswith("/staff/login/")
    alpha_client = password_only(client_for, alpha, "twin@2fa.test")
    assert alpha_client.get("/staff/")["Location"].startswith("/staff/two-factor/")
    # And a verified alpha session cookie is nobody on beta.
    alpha_client.post("/staff/two-factor/", {"code": backup_code("twin@2fa.test", alpha)})
    assert alpha_client.get("/staff/").status_code == 200
    stolen = client_for(beta.primary_host)
    stolen.cookies["sessionid"] = alpha_client.cookies["sessionid"].value
    assert stolen.get("/staff/")["Location"].startswith("/staff/login/")


def test_the_otp_tables_are_in_the_public_schema_and_every_municipality(town):
    expected = {"otp_totp_totpdevice", "otp_static_staticdevice", "otp_static_statictoken"}
    with connection.cursor() as cursor:
        for schema in ("public", town.schema_name):
            cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
            assert expected <= {row[0] for row in cursor.fetchall()}, schema


@pytest.mark.browser
def test_enrolment_and_sign_in_in_armenian(page, live_server):
    _base, port = live_server
    town = provision_ok()
    staff_user(town, "operator@2fa.test", "front_office")
    site = f"http://{town.slug}.localhost:{port}"
    page.goto(f"{site}/staff/login/")
    page.fill("#id_username", "operator@2fa.test")
    page.fill("#id_password", "staff-password-1")
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/staff/two-factor/enrol/"))
    expect(page.locator("html")).to_have_attribute("lang", "hy")
    expect(page.locator("figure svg")).to_be_visible()
    secret = page.locator("#secret").inner_text()
    page.fill("#id_code", current_totp(secret))
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/staff/two-factor/backup-codes/"))
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    page.click("#continue")
    expect(page.locator("h1")).to_contain_text("աշխատակիցների բաժին")
    page.click("button:has-text('Դուրս գալ')")
    page.goto(f"{site}/staff/login/")
    page.fill("#id_username", "operator@2fa.test")
    page.fill("#id_password", "staff-password-1")
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/staff/two-factor/\?next="))
    page.fill("#id_code", codes[3])
    page.click("button[type=submit].primary")
    expect(page.locator("h1")).to_contain_text("աշխատակիցների բաժին")
