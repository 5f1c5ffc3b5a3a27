from django.urls import path

from . import keys_views, views

urlpatterns = [
    path("", views.index, name="index"),
    path("access-log/", views.access_log, name="access_log"),
    path("api-keys/", keys_views.api_keys, name="api_keys"),
    path("api-keys/<slug:prefix>/revoke/", keys_views.revoke_key, name="revoke_key"),
    path("<slug:code>/", views.record_list, name="list"),
    path("<slug:code>/new/", views.record_create, name="create"),
    path("<slug:code>/import/", views.record_import, name="import"),
    path("<slug:code>/export.<str:fmt>", views.record_export, name="export"),
    path("<slug:code>/<uuid:record_uuid>/", views.record_detail, name="detail"),
    path("<slug:code>/<uuid:record_uuid>/edit/", views.record_edit, name="edit"),
    path("<slug:code>/<uuid:record_uuid>/file/<slug:field>", views.record_file, name="file"),
]
