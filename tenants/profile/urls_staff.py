from django.urls import path

from . import structure, views

urlpatterns = [
    path("", views.edit, name="edit"),
    path("structure/", structure.structure, name="structure"),
]
