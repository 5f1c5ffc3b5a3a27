"""Routes each request by its Host header to the ministry console or to one municipality."""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils import translation
from django_tenants.middleware.main import TenantMainMiddleware

from . import routing
from .models import Municipality


class MunicipalityRoutingMiddleware(TenantMainMiddleware):
    """django-tenants' routing with a cached lookup and clear pages for unknown or closed hosts."""

    def process_request(self, request):
        connection.set_schema_to_public()
        try:
            hostname = self.hostname_from_request(request).lower()
        except DisallowedHost:
            return self._page(request, "hamaynk/host_not_found.html", 404, {"hostname": ""})

        # Stylesheets, scripts and icons are the same on every host, and the pages that explain an
        # unknown, suspended or not yet ready host need them as much as any: the static files
        # middleware serves them whatever the host, without a municipality and its schema.
        if hostname == settings.PLATFORM_DOMAIN or request.path_info.startswith(settings.STATIC_URL):
            request.tenant = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None

        municipality = routing.lookup(hostname)
        if municipality is None:
            return self._page(request, "hamaynk/host_not_found.html", 404, {"hostname": hostname})
        if municipality.status == Municipality.Status.PROVISIONING:
            # Known, but its schema and site are still being made: come back in a minute.
            return self._page(request, "hamaynk/provisioning.html", 503, {"hostname": hostname}, {"Retry-After": "60"})
        if municipality.status == Municipality.Status.SUSPENDED:
            return self._page(
                request, "hamaynk/suspended.html", 503, {"municipality": municipality}, {"Retry-After": "3600"}
            )
        if municipality.status == Municipality.Status.ARCHIVED:
            return self._page(request, "hamaynk/archived.html", 410, {"municipality": municipality})

        municipality.domain_url = hostname
        request.tenant = municipality
        connection.set_tenant(municipality)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return None

    @staticmethod
    def _page(request, template, status, context, headers=None):
        # The locale middleware has not run yet: pick the visitor's language here.
        translation.activate(translation.get_language_from_request(request))
        response = render(request, template, context, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response
