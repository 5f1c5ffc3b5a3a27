from django.urls import path

from . import two_factor_views, views

urlpatterns = [
    path("", views.staff_list, name="staff"),
    path("invite/", views.invite, name="invite"),
    path("<int:pk>/", views.edit, name="edit"),
    path("<int:pk>/two-factor/reset/", two_factor_views.reset, name="reset_two_factor"),
]
