"""Documents: uploaded first (POST /documents), then named by their URL in an application's
documentUrls. The URL carries the stored file's description signed for this municipality, so an
upload needs no table until an application takes it, a URL cannot be forged or point at another
file, and a URL of one municipality means nothing on another's host."""

import base64
import binascii

from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile
from django.db import connection
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from hamaynk.api import ApiError, json_response, not_found
from tenants.registers import files as stored_files

from ..models import CaseFile
from .common import endpoint

FOLDER = "cases/api"
MARKER = "/documents/"


def _salt():
    return f"hamaynk.cases.api.document:{connection.tenant.uuid}"


def document_url(request, value):
    """The URL of a stored file ({name, size, content_type, key})."""
    token = signing.dumps({k: value[k] for k in ("name", "size", "content_type", "key")}, salt=_salt(), compress=True)
    return request.build_absolute_uri(reverse("registration_api_document", args=[token]))


def stored_value(url):
    """The stored file a document URL names, or None if it names none of this municipality's."""
    token = str(url).rsplit(MARKER, 1)[-1].strip("/")
    try:
        return signing.loads(token, salt=_salt())
    except signing.BadSignature:
        return None


def stored_values(urls, errors):
    """The stored files of an application's documentUrls; what is wrong with them is added to
    `errors` (the caller reports every problem of the application at once)."""
    if urls is None:
        return []
    if not isinstance(urls, list):
        errors["documentUrls"] = [_("documentUrls must be a list of URLs.")]
        return []
    values = [stored_value(url) for url in urls]
    unknown = [str(url) for url, value in zip(urls, values, strict=True) if value is None]
    if unknown:
        errors["documentUrls"] = [
            _("Unknown document %(url)s: upload it to /documents first.") % {"url": url} for url in unknown
        ]
    return [value for value in values if value is not None]


def attach(case, values, kind, event):
    """Links the files to the case, each once."""
    known = set(case.files.values_list("key", flat=True))
    for value in values:
        if value["key"] not in known:
            known.add(value["key"])
            CaseFile.objects.create(case=case, event=event, kind=kind, **value)


def case_documents(request, case):
    """The URLs of the case's documents: given with the application or added later (by the
    applicant or with an action of the office), not the output documents."""
    return [
        document_url(request, {"name": f.name, "size": f.size, "content_type": f.content_type, "key": f.key})
        for f in case.files.all()
        if f.kind != CaseFile.Kind.OUTPUT
    ]


@endpoint("POST", write=True)
def upload(request):
    """One document: a multipart file part named `file`, or (as the spec's schema has it) a
    base64 text part named `file`, whose name is then additionalMetadata."""
    try:
        parts, texts = request.FILES.getlist("file"), request.POST.getlist("file")
    except RequestDataTooBig:  # a base64 part beyond DATA_UPLOAD_MAX_MEMORY_SIZE
        raise ApiError(413, _("The body is too large.")) from None
    if len(parts) + len(texts) != 1:
        raise ApiError(400, _("Send one document, as the multipart part “file”."))
    if parts:
        upload_file = parts[0]
    else:
        try:
            content = base64.b64decode(texts[0], validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, _("The part “file” is neither a file nor base64.")) from None
        upload_file = ContentFile(content, name=request.GET.get("additionalMetadata", "").strip() or "document")
    value = stored_files.store(FOLDER, upload_file)
    return json_response(
        {
            "code": 200,
            "type": value["content_type"],
            "message": _("The document was stored."),
            "url": document_url(request, value),
        }
    )


@endpoint("GET")
def download(request, document_id):
    value = stored_value(document_id)
    if value is None:
        raise not_found(_("No such document."))
    try:
        handle = stored_files.open_file(value)
    except FileNotFoundError:
        raise not_found(_("No such document.")) from None
    return FileResponse(handle, as_attachment=True, filename=value["name"], content_type=value["content_type"])
