"""/api/dr/… on a municipality's host: the GovStack paths as the spec writes them (no trailing
slashes, camelCase operation names). Anything else under /api/dr/ is a JSON 404, not the HTML
page."""

from django.urls import path, re_path

from hamaynk.api import unknown

from . import data, database, openapi, usage

RECORDS = "data/<slug:registry>/<str:version>"


urlpatterns = [
    path("openapi.json", openapi.openapi, name="registers_api_openapi"),
    path("data/myPersonalDataUsage", usage.my_personal_data_usage, name="registers_api_usage"),
    path(RECORDS, data.record_list, name="registers_api_list"),
    path(f"{RECORDS}/create", data.create, name="registers_api_create"),
    path(f"{RECORDS}/exists", data.exists, name="registers_api_exists"),
    path(f"{RECORDS}/read", data.read, name="registers_api_read"),
    path(f"{RECORDS}/update", data.update, name="registers_api_update"),
    path(f"{RECORDS}/updateEntries", data.update_entries, name="registers_api_update_entries"),
    path(f"{RECORDS}/updateOrCreate", data.update_or_create, name="registers_api_update_or_create"),
    path(f"{RECORDS}/<str:record_id>/delete", data.delete, name="registers_api_delete"),
    path(
        f"{RECORDS}/<str:record_id>/readValue/<str:field>.<str:ext>", data.read_value, name="registers_api_read_value"
    ),
    path("databases", database.databases, name="registers_api_databases"),
    path("database/modify", database.modify, name="registers_api_database_modify"),
    path("database/<str:database_id>", database.database, name="registers_api_database"),
    re_path(r"^", unknown),
]
