"""Wagtail's admin is one part of the municipality's staff area: its menu leads back there."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


@hooks.register("register_admin_menu_item")
def staff_area_menu_item():
    return MenuItem(_("Staff area"), reverse("staff_dashboard"), icon_name="home", order=10000)


@hooks.register("register_admin_urls")
def needs_translation_urls():
    from django.urls import path

    from .admin_views import needs_translation

    return [path("reports/needs-translation/", needs_translation, name="website_needs_translation")]


@hooks.register("register_reports_menu_item")
def needs_translation_menu_item():
    return MenuItem(
        _("Needs translation"),
        reverse("website_needs_translation"),
        name="needs-translation",
        icon_name="globe",
        order=50,
    )
