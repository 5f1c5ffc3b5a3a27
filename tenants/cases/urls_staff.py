from django.urls import path

from . import document_views, kpi_views, views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.walk_in, name="walk_in"),
    path("kpis/", kpi_views.kpi_page, name="kpis"),
    path("kpis.csv", kpi_views.kpi_csv, name="kpis_csv"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/", views.case_act, name="act"),
    path("<int:pk>/assign/", views.case_assign, name="assign"),
    path("<int:pk>/files/<int:file_id>", views.case_file, name="file"),
    path("<int:pk>/receipt.pdf", document_views.receipt, name="receipt"),
]
