from django.urls import path

from . import views

urlpatterns = [
    path("", views.staff_list, name="staff"),
    path("invite/", views.invite, name="invite"),
    path("<int:pk>/", views.edit, name="edit"),
]
