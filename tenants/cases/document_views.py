"""The intake receipt for the office to print and hand over at the window."""

from django.http import HttpResponse

from hamaynk.permissions import requires

from . import documents, personal_data
from .views import READ, _case


@requires(READ)
def receipt(request, pk):
    case = _case(pk)
    personal_data.log_read(case, request.user, personal_data.RECEIPT)
    response = HttpResponse(documents.receipt_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{case.year}-{case.number:05d}.pdf"'
    return response
