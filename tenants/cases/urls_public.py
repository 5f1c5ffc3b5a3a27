from django.urls import path

from . import public

urlpatterns = [
    path("apply/<slug:code>/", public.apply_online, name="apply"),
    path("apply/confirm/<str:token>/", public.confirm, name="confirm"),
    path("track/", public.track, name="track"),
]
