"""Nothing behind a sign-in is reachable until the second factor is given.

One place for every view, so a new staff page, a Wagtail admin page or a console page cannot
forget it: a signed-in person who must use a second factor (or has one) and whose session is not
yet verified is sent from the staff area, /cms/ and the console to the code or enrolment page;
on any other path the session counts as signed out.
"""

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import devices, policy

# (paths behind the second factor, paths of the sign-in itself that stay open)
CONSOLE_PATHS = (("/console/",), ("/console/login/", "/console/logout/", "/console/two-factor/"))
MUNICIPAL_PATHS = (
    ("/staff/", "/cms/"),
    ("/staff/login/", "/staff/logout/", "/staff/set-password/", "/staff/two-factor/"),
)


def must_verify(user):
    """Whether this signed-in user's session needs a verified device: when the policy requires
    it, or when they enrolled of their own accord (a device, once set up, is always asked for)."""
    if getattr(user, "_two_factor_due", None) is None:
        user._two_factor_due = policy.required_for(user) or devices.has_device(user)
    return user._two_factor_due


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and must_verify(user):
            protected, open_paths = CONSOLE_PATHS if policy.in_console() else MUNICIPAL_PATHS
            path = request.path_info
            if path.startswith(open_paths):
                pass
            elif path.startswith(protected):
                step = "two_factor:verify" if devices.has_device(user) else "two_factor:enrol"
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
            else:
                request.user = AnonymousUser()
        return self.get_response(request)
