from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_csv, name="import"),
    path("<int:year>/", views.year_detail, name="year"),
]
