"""Public checks of an issued document. Anyone holding the paper can confirm by its
verification code that the municipality issued it and read what the document states — whose it
is (the name partly masked), its subject, the decision, the date and who signed it — so that a
paper with a changed name or title and a real code is caught. Nothing more: no personal number,
address or form data, no contacts, no tracking code. The applicant downloads the document itself
by the tracking code only they were given."""

import re

from django.db import connection
from django.http import FileResponse, Http404
from django.shortcuts import render

from hamaynk import honeypot, throttle
from tenants.registers import files as stored_files

from . import documents
from .models import Case, CaseFile
from .workflow import CODE_ALPHABET

CODE = re.compile(rf"^[{CODE_ALPHABET}]{{4}}(-[{CODE_ALPHABET}]{{4}}){{3}}$")
HIDDEN = "***"
# Armenian family names end in -յան or -յանց (-ян, -янц, -yan, -yants when written in Russian or
# Latin letters); a word that ends so is the surname wherever it stands in the name.
SURNAME_ENDINGS = ("յան", "յանց", "ян", "янц", "yan", "yants")


def normalized_code(text):
    """What a person typed, as the code is printed: upper case, dashes between groups of four.
    Spaces and missing dashes are forgiven, since codes are copied by hand from paper."""
    letters = re.sub(r"[\s\-–—]", "", text).upper()
    if len(letters) == 16:
        return "-".join(letters[i : i + 4] for i in range(0, 16, 4))
    return text.strip().upper()


def masked_name(name):
    """The holder's name as the verification page shows it: the surname whole, every other word
    cut to its first letter and three asterisks ("Անի Պետրոսյան" → "Ա*** Պետրոսյան"). The surname
    is the first word with a surname's ending, or else the last word of two or more (a name of one
    word without that ending is masked whole but its first letter). Enough to match the paper in
    hand, too little to learn a stranger's full name from a code."""
    words = name.split()
    surname = next(
        (i for i, word in enumerate(words) if word.lower().endswith(SURNAME_ENDINGS)),
        len(words) - 1 if len(words) > 1 else None,
    )
    return " ".join(word if i == surname else word[0] + HIDDEN for i, word in enumerate(words))


def statement(case):
    """What the document states, as printed on it (the title and the position in the document's
    language), for the verification page."""
    language = case.applicant_language or "hy"
    return {
        "language": language,
        "holder": masked_name(case.applicant_name),
        "subject": documents.output_title(case, language),
        "signatory": case.signatory_name,
        "position": documents._text(case.signatory_position, language) if case.signatory_position else "",
    }


@throttle.limit("verification", when=throttle.tracking_or_verification_code)
def verify(request):
    code = normalized_code(request.GET.get("code", ""))
    case = None
    malformed = bool(code) and not CODE.match(code)
    if code and not malformed and not honeypot.filled(request):  # a robot's lookup finds nothing
        case = Case.objects.select_related("service").filter(verification_code=code).first()
    return render(
        request,
        "cases/verify.html",
        {
            "code": code,
            "case": case,
            "document": statement(case) if case else None,
            "municipality": connection.tenant,
            "malformed": malformed,
            "not_found": bool(code) and not malformed and case is None,
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
