"""Mounted under /staff/two-factor/ on a municipality's host and /console/two-factor/ on the
platform's own; the names are the same in both."""

from django.urls import path

from . import views

app_name = "two_factor"
urlpatterns = [
    path("", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("backup-codes/new/", views.new_backup_codes, name="new_backup_codes"),
]
