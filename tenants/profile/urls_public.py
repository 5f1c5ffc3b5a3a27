from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("coat-of-arms", views.coat_of_arms, name="coat_of_arms"),
]
