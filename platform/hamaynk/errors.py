"""Errors people see: bad input reported per field, and the 403, CSRF and 404 pages."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse


class FieldErrors(Exception):
    """{field name or "__all__": [message, ...]}; nothing was changed. Forms, the CLI and the
    APIs each show it their own way."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def not_found(request, exception=None):
    """The 404 page of the console and of every municipality's site."""
    return render(request, "hamaynk/page_not_found.html", status=404)


def _in_console(request):
    return getattr(request, "tenant", None) is None


def permission_denied(request, exception=None):
    """The 403 page of a signed-in person who may not open a page (a signed-out visitor never
    gets here: `hamaynk.permissions.requires` and the console's decorator send them to sign in).
    In the staff area's or the console's look: what happened, who gives the permission, and the
    way back to the person's dashboard."""
    console = _in_console(request)
    staff_path = request.path_info.startswith("/console/" if console else "/staff/")
    if staff_path and not request.user.is_authenticated:
        # A view that refused without `requires` (or the console's decorator): a signed-out
        # visitor is still sent to sign in and back, never shown a 403.
        return redirect_to_login(request.get_full_path(), _reverse("console:login" if console else "login"))
    if not staff_path:  # a page of the public website or the console's domain refused to a visitor
        context = {"base_template": "hamaynk/base.html", "in_console": console, "home_url": "/"}
        return render(request, "hamaynk/forbidden.html", context, status=403)
    context = {
        "base_template": "console/base.html" if console else "hamaynk/staff_base.html",
        "in_console": console,
        "home_url": _reverse("console:list" if console else "staff_dashboard"),
    }
    return render(request, "hamaynk/forbidden.html", context, status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its security token (left open for hours, sent
    from a saved copy, cookies refused). The person is told what to do instead of Django's page;
    `reason` is for developers and is not shown."""
    if _in_console(request):
        base = "console/base.html"
    elif request.path_info.startswith(("/staff/", "/cms/")):
        base = "hamaynk/staff_base.html"
    else:
        base = "hamaynk/base.html"
    return render(request, "hamaynk/csrf_failure.html", {"base_template": base}, status=403)


def _reverse(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return "/"
