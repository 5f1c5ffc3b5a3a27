"""Serving the page tree, with a visible fallback to Armenian, and the site's public images."""

import mimetypes
import posixpath

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils import translation
from django.views.decorators.cache import cache_control
from wagtail import views as wagtail_views
from wagtail.models import Page

from hamaynk.tenancy.current import municipality_identity

# Folders of the municipality's storage that hold public images (Wagtail's originals and their
# renditions). Everything else there — case attachments, output documents, register files — is
# private and served only by views that check permissions.
PUBLIC_MEDIA_FOLDERS = ("original_images/", "images/")


def serve(request, path):
    """Wagtail's page view; a page with no live translation in the active language is shown in
    the default language (Armenian) with a notice, instead of a 404 (see website/_fallback.html)."""
    if Page.route_for_request(request, path) is None and translation.get_language() != settings.LANGUAGE_CODE:
        del request._wagtail_route_for_request
        with translation.override(settings.LANGUAGE_CODE):
            Page.route_for_request(request, path)
    return wagtail_views.serve(request, path)


@cache_control(public=True, max_age=86400)
def public_image(request, municipality, name):
    """Images on the local file system (production serves them from S3 with signed URLs). The
    URL names the municipality; it must be the one whose host this is, so an image of one
    municipality is never served on another's domain."""
    identity = municipality_identity()
    name = posixpath.normpath(name)
    if identity is None or str(identity[0]) != str(municipality) or name.startswith(("..", "/")):
        raise Http404
    if not name.startswith(PUBLIC_MEDIA_FOLDERS):
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError):
        raise Http404 from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(handle, content_type=content_type)
