"""The intake receipt for the office to print and hand over at the window."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from . import documents
from .views import _case, _staff


@login_required
def receipt(request, pk):
    _staff(request)
    case = _case(pk)
    response = HttpResponse(documents.receipt_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{case.year}-{case.number:05d}.pdf"'
    return response
