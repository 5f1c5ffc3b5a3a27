"""Public checks of an issued document. Anyone holding the paper can confirm by its
verification code that the municipality issued it — and learn nothing personal from the code.
The applicant downloads the document itself by the tracking code only they were given."""

from django.db import connection
from django.http import FileResponse, Http404
from django.shortcuts import render

from hamaynk import honeypot, throttle
from tenants.registers import files as stored_files

from .models import Case, CaseFile


@throttle.limit("verification", when=throttle.tracking_or_verification_code)
def verify(request):
    code = request.GET.get("code", "").strip().upper()
    case = None
    if code and not honeypot.filled(request):  # a robot's lookup finds nothing
        case = Case.objects.select_related("service").filter(verification_code=code).first()
    return render(
        request,
        "cases/verify.html",
        {
            "code": code,
            "case": case,
            "municipality": connection.tenant,
            "not_found": bool(code) and case is None,
        },
    )


@throttle.limit("downloads")
def output_document(request):
    code = request.GET.get("code", "").strip().upper()
    document = CaseFile.objects.filter(case__tracking_code=code, kind=CaseFile.Kind.OUTPUT).first() if code else None
    if document is None:
        raise Http404
    try:
        handle = stored_files.open_file({"key": document.key})
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=document.name, content_type=document.content_type)
