"""Files attached to records: stored under the municipality's prefix, checked by content."""

import uuid

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from .fields import FieldError

MAX_BYTES = 10 * 1024 * 1024
# First bytes of the accepted document types; a file's name and claimed type are not trusted.
SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument"),  # docx, xlsx, odt
    (b"\xd0\xcf\x11\xe0", "application/msword"),
]


def sniff(head):
    return next((content_type for signature, content_type in SIGNATURES if head.startswith(signature)), None)


def store(folder, upload):
    """Saves an upload under `folder`; returns {name, size, content_type, key} or raises
    FieldError. Registers' file fields and case documents both store files this way."""
    if upload.size > MAX_BYTES:
        raise FieldError(_("The file is larger than 10 MB."))
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise FieldError(_("Only PDF, PNG, JPEG and office documents can be attached."))
    name = upload.name.rsplit("/", 1)[-1][-150:]
    key = default_storage.save(f"{folder}/{uuid.uuid4().hex}/{name}", upload)
    return {"name": name, "size": upload.size, "content_type": content_type, "key": key}


def open_file(value):
    return default_storage.open(value["key"], "rb")
