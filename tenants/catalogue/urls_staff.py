from django.urls import path

from . import staff_views

urlpatterns = [
    path("", staff_views.service_list, name="services"),
    path("<slug:code>/", staff_views.service_edit, name="edit"),
]
