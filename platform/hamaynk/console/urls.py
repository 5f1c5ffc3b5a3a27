from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from hamaynk import throttle
from tenants.webhooks import console_views as webhook_pages

from . import events, outbox, users, views

app_name = "console"
urlpatterns = [
    path("", views.municipality_list, name="list"),
    path(
        "login/",
        throttle.sign_in(
            auth_views.LoginView.as_view(
                template_name="console/login.html",
                redirect_authenticated_user=True,
                next_page=reverse_lazy("console:list"),
            )
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("console:login")), name="logout"),
    path("onboard/", views.onboard, name="onboard"),
    path("m/<uuid:uuid>/", views.municipality_detail, name="detail"),
    path("m/<uuid:uuid>/progress.json", views.progress, name="progress"),
    path("m/<uuid:uuid>/retry/", views.retry, name="retry"),
    path("m/<uuid:uuid>/status/", views.change_status, name="status"),
    path("m/<uuid:uuid>/domains/", views.add_domain, name="add_domain"),
    path("audit/", views.audit, name="audit"),
    path("users/", users.user_list, name="users"),
    path("events/", events.dead_letters, name="events"),
    path("events/replay/", events.replay, name="events_replay"),
    path("outbox/", outbox.outbox_list, name="outbox"),
    path("outbox/<str:schema>/<str:message_id>/", outbox.outbox_detail, name="outbox_detail"),
    path("users/<int:pk>/two-factor/reset/", users.reset_two_factor, name="reset_two_factor"),
]

# The ministry's webhook subscriptions (their pages live with the webhooks module).
urlpatterns += webhook_pages.urlpatterns
