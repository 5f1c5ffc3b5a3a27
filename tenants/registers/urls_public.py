from django.urls import path

from . import public

urlpatterns = [
    path("", public.index, name="index"),
    path("<slug:code>.<str:fmt>", public.open_data, name="open_data"),
    path("<slug:code>/", public.record_list, name="list"),
    path("<slug:code>/<uuid:record_uuid>/", public.record_detail, name="detail"),
    path("<slug:code>/<uuid:record_uuid>/file/<slug:field>", public.public_file, name="file"),
]
