"""The Celery app. Tasks sent from a municipality's request carry its schema in their headers
(tenant-schemas-celery), so the worker runs them in that municipality's schema. Every task is a
hamaynk.taskbase.HamaynkTask: a database outage sends it back to the queue instead of dropping it."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamaynk.settings")

app = CeleryApp("hamaynk", task_cls="hamaynk.taskbase:HamaynkTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def broker_mode():
    """'rabbitmq', 'filesystem' or 'eager': what `hamaynk` tells the operator it runs on."""
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    url = settings.CELERY_BROKER_URL
    return (
        "filesystem" if url.startswith("filesystem") else ("rabbitmq" if url.startswith("amqp") else url.split(":")[0])
    )
