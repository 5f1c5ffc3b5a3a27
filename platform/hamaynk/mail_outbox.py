"""The local outbox: `EMAIL_URL=outbox://`, the default of `hamaynk run`.

Each message is written as an .eml file under <var dir>/outbox/<schema>/, the schema being the
one whose code sent it (a municipality's, or "public" for the platform and the ministry), and is
read on a page instead of as raw MIME in the log: the ministry console's /console/outbox/ shows
every message, a municipality's /staff/outbox/ only its own, to the staff who manage its
accounts. With any other email backend both pages are 404s.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from hamaynk.paths import var_dir
from hamaynk.permissions import requires

BACKEND = "hamaynk.mail_outbox.OutboxEmailBackend"
MESSAGE_ID = re.compile(r"^\d{8}T\d{6}\d{6}-[0-9a-f]{12}$")
SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
LIST_LIMIT = 200


def folder():
    """Where the outbox lives: EMAIL_OUTBOX_DIR, else the data folder's outbox/."""
    configured = getattr(settings, "EMAIL_OUTBOX_DIR", None)
    return Path(configured) if configured else var_dir() / "outbox"


def enabled():
    return settings.EMAIL_BACKEND == BACKEND


class OutboxEmailBackend(BaseEmailBackend):
    """Stores each message as <outbox>/<schema>/<time>-<random>.eml; sends nothing."""

    def send_messages(self, email_messages):
        schema = getattr(connection, "schema_name", None) or "public"
        target = folder() / schema
        target.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}"
            temporary = target / f".{name}.tmp"
            temporary.write_bytes(message.message().as_bytes(linesep="\n"))
            temporary.rename(target / f"{name}.eml")  # readers never see half a message
            sent += 1
        return sent


@dataclass
class Message:
    schema: str
    id: str
    subject: str = ""
    to: str = ""
    sender: str = ""
    date: datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list = field(default_factory=list)


def _read(path, schema, whole=False):
    with open(path, "rb") as handle:
        parsed = BytesParser(policy=policy.default).parse(handle)
    message = Message(
        schema=schema,
        id=path.stem,
        subject=str(parsed["Subject"] or ""),
        to=", ".join(str(parsed[h]) for h in ("To", "Cc") if parsed[h]),
        sender=str(parsed["From"] or ""),
    )
    try:
        message.date = parsedate_to_datetime(str(parsed["Date"]))
    except (TypeError, ValueError):
        message.date = None
    if whole:
        plain = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        message.text = plain.get_content() if plain is not None else ""
        message.html = html.get_content() if html is not None else ""
        for part in parsed.iter_attachments():
            payload = part.get_payload(decode=True) or b""
            message.attachments.append(
                {"name": part.get_filename() or "", "type": part.get_content_type(), "size": len(payload)}
            )
    return message


def messages(schema=None):
    """The newest messages first: one schema's, or every schema's when `schema` is None."""
    root = folder()
    if not root.is_dir():
        return []
    schemas = [schema] if schema else sorted(p.name for p in root.iterdir() if p.is_dir() and SCHEMA.match(p.name))
    found = []
    for name in schemas:
        for path in (root / name).glob("*.eml"):
            if MESSAGE_ID.match(path.stem):
                found.append((path.stem, name, path))
    found.sort(reverse=True)
    return [_read(path, name) for _stem, name, path in found[:LIST_LIMIT]]


def message(schema, message_id):
    if not SCHEMA.match(schema) or not MESSAGE_ID.match(message_id):
        raise Http404
    path = folder() / schema / f"{message_id}.eml"
    if not path.is_file():
        raise Http404
    return _read(path, schema, whole=True)


def context(request):
    """`outbox_enabled` for the menus that link to the outbox."""
    return {"outbox_enabled": enabled()}


def _require_enabled():
    if not enabled():
        raise Http404


# A municipality's pages: its own schema's messages only, for the staff who manage its accounts.


@requires("auth.change_user")
def staff_list(request):
    _require_enabled()
    return render(
        request,
        "hamaynk/outbox/list.html",
        {"base": "hamaynk/staff_base.html", "messages_": messages(connection.schema_name), "everyone": False},
    )


@requires("auth.change_user")
def staff_detail(request, message_id):
    _require_enabled()
    return render(
        request,
        "hamaynk/outbox/detail.html",
        {"base": "hamaynk/staff_base.html", "message": message(connection.schema_name, message_id), "everyone": False},
    )
