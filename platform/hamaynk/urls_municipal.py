"""URLs of a municipality's host: its public pages and its staff area, assembled from the
modules' declarations."""

from django.urls import include, path

from hamaynk import mail_outbox, staff, throttle
from hamaynk.modules import all_modules
from hamaynk.permissions import PUBLIC, requires

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/", staff.dashboard, name="staff_dashboard"),
    path("staff/login/", requires(PUBLIC)(throttle.sign_in(staff.LoginView.as_view())), name="login"),
    path("staff/logout/", requires(PUBLIC)(staff.LogoutView.as_view()), name="logout"),
    path(
        "staff/set-password/<uidb64>/<token>/", requires(PUBLIC)(staff.SetPasswordView.as_view()), name="set_password"
    ),
    path("staff/set-password/done/", requires(PUBLIC)(staff.SetPasswordDoneView.as_view()), name="set_password_done"),
    path("staff/two-factor/", include("hamaynk.twofactor.urls")),
    path(
        "staff/outbox/",
        include(
            (
                [
                    path("", mail_outbox.staff_list, name="list"),
                    path("<str:message_id>/", mail_outbox.staff_detail, name="detail"),
                ],
                "outbox",
            )
        ),
    ),
]

for module in all_modules():
    if module.api_urls:
        urlpatterns.append(path(module.api_prefix or f"api/{module.code}/", include(module.api_urls)))
    if module.staff_urls:
        urlpatterns.append(path(f"staff/{module.code}/", include((module.staff_urls, module.code))))
    if module.public_urls:
        prefix = module.code + "/" if module.public_prefix is None else module.public_prefix
        urlpatterns.append(path(prefix, include((module.public_urls, f"{module.code}_public"))))
for module in all_modules():
    if module.root_urls:
        urlpatterns.append(path("", include(module.root_urls)))

handler403 = "hamaynk.errors.permission_denied"
handler404 = "hamaynk.errors.not_found"
