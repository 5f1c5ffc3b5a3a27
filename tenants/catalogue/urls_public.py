from django.urls import path

from . import views

urlpatterns = [
    path("", views.service_list, name="list"),
    path("<slug:code>/", views.service_detail, name="detail"),
]
