"""The public catalogue: what each service needs, costs and takes."""
from django.shortcuts import get_object_or_404, render

from .models import Service


def service_list(request):
    services = Service.objects.filter(is_active=True).select_related("department")
    return render(request, "catalogue/list.html", {"services": services})


def service_detail(request, code):
    service = get_object_or_404(Service, code=code, is_active=True)
    return render(request, "catalogue/detail.html", {"service": service})
