"""Signing a delivery: HMAC-SHA256 with the subscription's secret over `<timestamp>.<body>`.

The timestamp is in its own header and inside what is signed, so a receiver that refuses old
timestamps (five minutes is usual) cannot be fed a recorded delivery again later. How a receiver
checks is in docs/events.md, with an example."""

import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "Hamaynk-Signature"
TIMESTAMP_HEADER = "Hamaynk-Timestamp"
ATTEMPT_HEADER = "Hamaynk-Attempt"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def new_secret():
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret, timestamp, body):
    """`v1=<hex>`: the scheme's version first, so a later scheme can be sent beside it."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def headers(secret, body, attempt, now=None):
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": CONTENT_TYPE,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        ATTEMPT_HEADER: str(attempt),
        "User-Agent": "Hamaynk-Webhooks/1",
    }
