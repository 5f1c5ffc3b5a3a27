"""Mounted at the host's root after every module's URLs: Wagtail's admin (/cms/), documents,
public images, the open-data files and, last, the page tree, which takes every path left."""

from django.urls import include, path, re_path
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.home import HomeView
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.documents.views import serve as wagtaildocs_serve

from hamaynk import throttle
from hamaynk.permissions import requires

from . import opendata, views

urlpatterns = [
    # The admin's entry point declares its permission like every staff page: a person without it
    # gets 403 rather than Wagtail's sign-in form again.
    path(
        "cms/",
        requires("wagtailadmin.access_admin")(require_admin_access(HomeView.as_view())),
        name="wagtailadmin_home",
    ),
    path("cms/", include(wagtailadmin_urls)),
    # Public documents count as downloads (hamaynk.throttle); the rest of Wagtail's document URLs
    # are included as they are.
    re_path(r"^documents/(\d+)/(.*)$", throttle.limit("downloads")(wagtaildocs_serve.serve), name="wagtaildocs_serve"),
    path("documents/", include(wagtaildocs_urls)),
    path("media/municipalities/<uuid:municipality>/<path:name>", views.public_image, name="website_image"),
    path("open-data/<slug:code>.<str:fmt>", opendata.dataset, name="website_open_data"),
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        wagtail_views.authenticate_with_password,
        name="wagtailcore_authenticate_with_password",
    ),
    re_path(r"^((?:[\w\-]+/)*)$", views.serve, name="wagtail_serve"),
]
