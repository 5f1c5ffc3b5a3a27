"""API keys of a municipality's registers API.

A key reads `hmk_<prefix>_<secret>`. The prefix finds the row (and names the key in lists and
logs); only a SHA-256 of the whole key is stored. The secret is long and random, so a fast hash
is as good as a slow one here and keeps every API request cheap. Keys live in the municipality's
own schema: a key means nothing on another municipality's host.
"""

import hashlib
import hmac
import secrets
import string
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ApiKey

SCHEME = "hmk"
ALPHABET = string.ascii_letters + string.digits
SECRET_LENGTH = 40  # about 238 bits
# Writing last_used_at on every request would turn each read into a write; a minute is precise
# enough to tell whether a key is still in use.
USAGE_RESOLUTION = timedelta(minutes=1)


def hash_key(plaintext):
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue_key(name, can_write=False, user=None):
    """Creates a key and returns (ApiKey, plaintext). The plaintext is not kept anywhere."""
    while True:
        prefix = secrets.token_hex(5)
        plaintext = f"{SCHEME}_{prefix}_{''.join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    name=name, prefix=prefix, hashed=hash_key(plaintext), can_write=can_write, created_by=user
                )
        except IntegrityError:
            continue  # the prefix was taken (about one chance in a trillion): draw another
        return key, plaintext


def authenticate(header):
    """The active key given in an Authorization header (`<key>` or `Bearer <key>`), or None."""
    scheme, _sep, rest = (header or "").strip().partition(" ")
    plaintext = rest.strip() if scheme.lower() == "bearer" else (header or "").strip()
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME:
        return None
    key = ApiKey.objects.filter(prefix=parts[1], revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.hashed, hash_key(plaintext)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > USAGE_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def revoke(prefix):
    """Revokes the key; returns whether an active key had that prefix. Saved through the model,
    not a bulk update, so the audit trail records who revoked it."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(prefix=prefix, revoked_at__isnull=True).first()
        if key is None:
            return False
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return True
