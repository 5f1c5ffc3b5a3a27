"""URLs of the platform's own domain: the ministry console."""

from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:list", permanent=False)),
    path("console/two-factor/", include("hamaynk.twofactor.urls")),
    path("console/", include("hamaynk.console.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler403 = "hamaynk.errors.permission_denied"
handler404 = "hamaynk.errors.not_found"
