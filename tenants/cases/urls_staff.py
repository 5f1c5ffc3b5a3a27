from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.walk_in, name="walk_in"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/", views.case_act, name="act"),
    path("<int:pk>/assign/", views.case_assign, name="assign"),
    path("<int:pk>/files/<int:file_id>", views.case_file, name="file"),
]
