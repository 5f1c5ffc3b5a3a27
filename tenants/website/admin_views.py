"""The editors' report of Armenian pages that still lack their English or Russian translation."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from .fallback import needs_translation as missing_translations


def needs_translation(request):
    """Reached through the admin's URLs, so only people who may use the admin see it. Each row
    links to the page's editor and to Wagtail's "Translate" form."""
    rows = missing_translations()
    return render(
        request,
        "website/admin/needs_translation.html",
        {
            "rows": rows,
            "header_title": _("Needs translation"),
            "page_title": _("Needs translation"),
            "header_icon": "globe",
        },
    )
