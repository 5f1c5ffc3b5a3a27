"""A service's public page: what it needs, costs and takes. The list of services is a page of
the municipality's website (tenants.website), which links here."""

from django.shortcuts import get_object_or_404, render

from .models import Service


def service_detail(request, code):
    service = get_object_or_404(Service, code=code, is_active=True)
    return render(request, "catalogue/detail.html", {"service": service})
