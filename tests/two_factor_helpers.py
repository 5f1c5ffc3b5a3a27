"""Signing in past the second factor in tests, the way a person does: with a code.

A fresh single-use backup code is added to the user's sheet for each sign-in, so signing the same
person in twice within one TOTP period (which django-otp rightly refuses to accept twice) works.
"""

from contextlib import nullcontext

from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_tenants.utils import schema_context


def _in(municipality):
    """The schema of a municipality, a host name (with or without port) or None (the console's)."""
    if isinstance(municipality, str):
        municipality = municipality_of(municipality)
    return schema_context(municipality.schema_name) if municipality is not None else nullcontext()


def municipality_of(host):
    from django.conf import settings

    from hamaynk.tenancy.models import Domain

    name = host.split("://")[-1].split("/")[0].split(":")[0]
    if name == settings.PLATFORM_DOMAIN:
        return None
    return Domain.objects.select_related("tenant").get(domain=name).tenant


def _user(user_or_name):
    if isinstance(user_or_name, str):
        return get_user_model().objects.get(username=user_or_name)
    return user_or_name


def backup_code(user_or_name, municipality=None):
    """A new backup code for the user (in the municipality's schema, or the console's)."""
    with _in(municipality):
        user = _user(user_or_name)
        sheet = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if sheet is None:
            sheet = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        code = StaticToken.random_token()
        StaticToken.objects.create(device=sheet, token=code)
        return code


def verified_login(client, user, municipality=None):
    """force_login with a session already verified by the user's backup-code sheet."""
    with _in(municipality):
        client.force_login(user)
        backup_code(user)
        sheet = StaticDevice.objects.get(user=user, confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = sheet.persistent_id
        session.save()
    return client


def second_step(client, username, municipality=None):
    """After the password: gives a code when the host asks for one (as it does for roles that
    read personal data, administrators and the ministry). `municipality` may be a host name."""
    if isinstance(municipality, str):
        municipality = municipality_of(municipality)
    home = "/staff/" if municipality is not None else "/console/"
    asked = client.get(home)
    if "/two-factor/" not in asked.get("Location", ""):
        return client
    response = client.post(f"{home}two-factor/", {"code": backup_code(username, municipality)})
    assert response.status_code == 302 and "/two-factor/" not in response["Location"], response.content[:500]
    return client


def password_and_code(client, username, password, municipality=None):
    """The whole sign-in through the forms: password, then a code if one is asked for."""
    login = "/staff/login/" if municipality is not None else "/console/login/"
    response = client.post(login, {"username": username, "password": password})
    assert response.status_code == 302, response.content[:500]
    return second_step(client, username, municipality)


def page_second_step(page, username):
    """In the browser, after the password form was sent: types a code if the page asks for one."""
    page.wait_for_url(lambda url: "/login/" not in url)
    if "/two-factor/" in page.url:
        code = backup_code(username, page.url)
        if "/two-factor/enrol/" in page.url:  # no device yet: now there is a sheet, so the code page
            page.goto(page.url.replace("/two-factor/enrol/", "/two-factor/"))
        page.fill("#id_code", code)
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/two-factor/" not in url)


def current_totp(secret_text):
    """The code an authenticator app shows now for a key written in base32 groups."""
    from base64 import b32decode

    key = b32decode("".join(secret_text.split()).upper() + "=" * (-len("".join(secret_text.split())) % 8))
    return f"{totp(key):06d}"
