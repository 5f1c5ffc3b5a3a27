"""/api/registration/… on a municipality's host: the paths of the GovStack Registration API
0.1.1 and of its statistics API, as the specs write them (no trailing slashes). Anything else
under /api/registration/ is a JSON 404, as under /api/dr/."""

from django.urls import path, re_path

from hamaynk.api import unknown

from . import applications, catalogue, documents, openapi, statistics, tasks

urlpatterns = [
    path("openapi.json", openapi.openapi, name="registration_api_openapi"),
    path("services", catalogue.service_list, name="registration_api_services"),
    path("services/<str:service_id>", catalogue.service_detail, name="registration_api_service"),
    path("services/<str:service_id>/eForms", catalogue.eform_list, name="registration_api_eforms"),
    path("services/<str:service_id>/applications", applications.submit, name="registration_api_submit"),
    path("eForms/<str:eform_id>", catalogue.eform_detail, name="registration_api_eform"),
    path("documents", documents.upload, name="registration_api_upload"),
    path("documents/<str:document_id>", documents.download, name="registration_api_document"),
    path("applications", applications.application_list, name="registration_api_applications"),
    path("applications/<str:file_id>", applications.application, name="registration_api_application"),
    path("tasks", tasks.task_list, name="registration_api_tasks"),
    path("tasks/<str:task_id>", tasks.task, name="registration_api_task"),
    path("tasks/<str:task_id>/complete", tasks.complete, name="registration_api_complete"),
    path("data/statistics", statistics.statistics, name="registration_api_statistics"),
    re_path(r"^", unknown),
]
