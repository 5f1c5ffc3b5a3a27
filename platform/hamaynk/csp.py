"""The Content-Security-Policy (django-csp), with one exception: Wagtail's admin under /cms/.

Everywhere else scripts and styles come from our static files, and the few inline ones carry the
response's nonce. Wagtail's admin still writes inline scripts into its form widgets (the date
and time choosers of its listings' filters and of the page editor's scheduling), rendered
without the request, so they cannot carry a nonce and differ on every page, so no hash fits
either, and its editor's bundled libraries add style elements from script. Under /cms/ only,
inline scripts and styles are therefore allowed; everything else in
the policy (sources, frames, forms, objects, base) stays as strict as on the other pages. The
admin is reached only by signed-in staff past the second factor.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware

WAGTAIL_ADMIN = "/cms/"
WAGTAIL_ADMIN_RELAXED = {"script-src": [SELF, UNSAFE_INLINE], "style-src": [SELF, UNSAFE_INLINE]}


class HamaynkCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(WAGTAIL_ADMIN):
            parts.replace = {**(parts.replace or {}), **WAGTAIL_ADMIN_RELAXED}
        return parts
