"""A person's second factors: one authenticator app (TOTP) and one sheet of backup codes.

Enrolment keeps an unconfirmed TOTP device until the person proves with a first code that the
app holds the key; only then is it confirmed and a fresh sheet of backup codes made. Codes are
checked against one device at a time, so django-otp's throttling (a growing wait after each
wrong code, stored on the device) applies to exactly the factor that was tried.
"""

from base64 import b32encode

import segno
from django.conf import settings
from django.db import connection, transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import get_public_schema_name

from tenants.audit.models import Entry
from tenants.audit.recorder import record

APP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"


def issuer(device):
    """The name an authenticator app shows above the code: the platform and, for staff, their
    municipality's host (people with accounts in two municipalities see two entries)."""
    tenant = getattr(connection, "tenant", None)
    if connection.schema_name == get_public_schema_name() or tenant is None:
        return "Hamaynk"
    return f"Hamaynk {tenant.slug}"


def has_device(user):
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True, token_set__isnull=False).exists()
    )


def pending_app(user):
    """The unconfirmed TOTP device of an enrolment in progress (made on first call): reloading
    the page keeps the key the person may already have scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def secret_text(device):
    """The key as an authenticator app asks for it when typed: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device):
    """The otpauth:// address as an inline SVG QR code, drawn here: the key never leaves."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def confirm(device, token):
    """Confirms the enrolment when `token` is the app's current code; returns the new backup
    codes, or None when the code is wrong. Raises Throttled while the device must wait."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        _raise_if_throttled(device)
        if not device.verify_token(_digits(token)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        record(device.user, Entry.Action.TWO_FACTOR_ENROLLED)
        return new_backup_codes(device.user, audited=False)


def new_backup_codes(user, audited=True):
    """Replaces the user's backup codes with a new sheet and returns it (shown once). The codes
    themselves never reach the audit trail, only that a sheet was made."""
    with transaction.atomic():
        if audited:
            record(user, Entry.Action.BACKUP_CODES)
        StaticDevice.objects.filter(user=user).delete()
        sheet = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_BACKUP_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=sheet, token=code) for code in codes])
    return codes


class Throttled(Exception):
    """Wrong codes were entered just before: django-otp makes the device wait until `until`."""

    def __init__(self, until):
        super().__init__(until)
        self.until = until


def _raise_if_throttled(device):
    allowed, details = device.verify_is_allowed()
    if not allowed:
        raise Throttled((details or {}).get("locked_until"))


def verify(user, token):
    """The confirmed device that accepts `token` (a six-digit app code or a backup code, which is
    then used up), or None. Raises Throttled while the device must wait after wrong codes."""
    digits = _digits(token)
    if len(digits) == 6 and digits.isdigit():
        model, token = TOTPDevice, digits
    else:
        model, token = StaticDevice, "".join(token.split()).replace("-", "").lower()
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            _raise_if_throttled(device)
            if device.verify_token(token):
                return device
    return None


def reset(user):
    """Removes every device of `user`: the next sign-in starts a new enrolment."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record(user, Entry.Action.TWO_FACTOR_RESET)


def remaining_backup_codes(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _digits(token):
    return "".join((token or "").split())
