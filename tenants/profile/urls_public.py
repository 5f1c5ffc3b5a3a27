from django.urls import path

from . import views

urlpatterns = [
    path("coat-of-arms", views.coat_of_arms, name="coat_of_arms"),
]
