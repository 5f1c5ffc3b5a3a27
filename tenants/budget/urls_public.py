from django.urls import path

from . import public

urlpatterns = [
    path("budget.csv", public.open_data, {"fmt": "csv"}, name="csv"),
    path("budget.json", public.open_data, {"fmt": "json"}, name="json"),
]
