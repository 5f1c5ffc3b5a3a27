from django.urls import path

from . import views

urlpatterns = [
    path("", views.holidays, name="holidays"),
    path("add/", views.add_day, name="add"),
    path("<int:pk>/delete/", views.delete_day, name="delete"),
]
