"""The ministry's webhook pages in the console: subscriptions in the public schema that follow
every municipality's events (or one region's) and the platform's own."""

from django.urls import path
from django.views.decorators.http import require_POST

from hamaynk.console.views import ministry_staff_required

from . import pages

PLACE = pages.Place("console/base.html", "console:webhooks_", ministry=True)


def _page(function, post_only=False):
    def view(request, **kwargs):
        return function(request, PLACE, **kwargs)

    view.__name__ = view.__qualname__ = f"console_{function.__name__}"
    view.__doc__ = function.__doc__
    view = require_POST(view) if post_only else view
    return ministry_staff_required(view)


urlpatterns = [
    path("webhooks/", _page(pages.subscription_list), name="webhooks_list"),
    path("webhooks/<int:pk>/", _page(pages.subscription_detail), name="webhooks_detail"),
    path("webhooks/<int:pk>/pause/", _page(pages.pause, True), name="webhooks_pause"),
    path("webhooks/<int:pk>/resume/", _page(pages.resume, True), name="webhooks_resume"),
    path("webhooks/<int:pk>/secret/", _page(pages.new_secret, True), name="webhooks_secret"),
    path("webhooks/<int:pk>/delete/", _page(pages.delete, True), name="webhooks_delete"),
    path("webhooks/<int:pk>/send-again/", _page(pages.send_again, True), name="webhooks_send_again"),
]
