from django.urls import path

from . import views

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("<int:pk>/", views.subscription_detail, name="detail"),
    path("<int:pk>/pause/", views.pause, name="pause"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/secret/", views.new_secret, name="secret"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/send-again/", views.send_again, name="send_again"),
]
