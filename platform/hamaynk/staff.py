"""The staff area's shell: sign-in, the one-time set-password link and the dashboard."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from hamaynk.modules import all_modules
from hamaynk.permissions import SIGNED_IN, requires
from tenants.audit.context import acting_as_user


class LoginView(auth_views.LoginView):
    template_name = "hamaynk/staff_login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        return self.get_redirect_url() or reverse_lazy("staff_dashboard")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("login")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "hamaynk/set_password.html"
    success_url = reverse_lazy("set_password_done")

    def form_valid(self, form):
        # Whoever holds the one-time link is the account's owner: the audit trail names them.
        with acting_as_user(self.user, self.request.META.get("REMOTE_ADDR")):
            return super().form_valid(form)


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "hamaynk/set_password_done.html"


@requires(SIGNED_IN)
def dashboard(request):
    modules = [m for m in all_modules() if m.staff_menu]
    roles = [group.role for group in request.user.groups.select_related("role") if hasattr(group, "role")]
    panels = []
    for module in all_modules():
        if module.dashboard is not None:
            context = module.dashboard(request)
            if context is not None:
                panels.append({"module": module, "template": module.dashboard_template, "context": context})
    return render(request, "hamaynk/staff_dashboard.html", {"modules": modules, "roles": roles, "panels": panels})
