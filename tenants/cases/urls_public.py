from django.urls import path

from . import public, verification

urlpatterns = [
    path("apply/<slug:code>/", public.apply_online, name="apply"),
    path("apply/confirm/<str:token>/", public.confirm, name="confirm"),
    path("track/", public.track, name="track"),
    path("track/document.pdf", verification.output_document, name="output_document"),
    path("verify/", verification.verify, name="verify"),
]
