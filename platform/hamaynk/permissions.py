"""What a staff view requires, declared on the view itself.

Every view of the staff area is wrapped by `requires(...)`. The wrapper both enforces the
requirement (an anonymous visitor is sent to sign in, a signed-in person without it gets 403)
and records it on the view as `view.requirement`, so that the permission-matrix test reads what
each view demands from the URL conf instead of keeping its own list: a new view that declares
nothing fails that test, and a view's rule cannot drift from what the test expects.

Requirements are of four kinds:

- `requires("app_label.codename")`: a Django permission, given through the template's roles;
- `requires(SIGNED_IN)`: any signed-in staff member (the dashboard: it lists only what the
  person may open);
- `requires(Requirement.custom("registers:view", check))`: a rule of a module's own, such as the
  per-register permissions; `check(request, kwargs)` returns whether the person may;
- `requires(PUBLIC)`: pages before sign-in (the sign-in form, the set-password link).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class Requirement:
    kind: str  # "public", "signed_in", "permission" or "custom"
    name: str = ""
    check: Callable | None = field(default=None, compare=False, repr=False)

    @classmethod
    def permission(cls, name):
        return cls("permission", name)

    @classmethod
    def custom(cls, name, check):
        return cls("custom", name, check)

    def allows(self, request, kwargs):
        if self.kind == "public":
            return True
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return False
        if self.kind == "permission":
            return user.has_perm(self.name)
        if self.kind == "custom":
            return bool(self.check(request, kwargs))
        return True

    def __str__(self):
        return self.name or self.kind


PUBLIC = Requirement("public")
SIGNED_IN = Requirement("signed_in")


def requires(requirement):
    """Decorates a view (a function or `SomeView.as_view()`) with what it requires."""
    if isinstance(requirement, str):
        requirement = Requirement.permission(requirement)

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if requirement.kind != "public":
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if not requirement.allows(request, kwargs):
                    raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded.requirement = requirement
        return guarded

    return decorate


def requirement_of(view):
    """The requirement a view declared, or None when it declared nothing."""
    return getattr(view, "requirement", None)
