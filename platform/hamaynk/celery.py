"""The Celery app. Tasks sent from a municipality's request carry its schema in their headers
(tenant-schemas-celery), so the worker runs them in that municipality's schema. Every task is a
hamaynk.taskbase.HamaynkTask: a database outage sends it back to the queue instead of dropping it."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamaynk.settings")

app = CeleryApp("hamaynk", task_cls="hamaynk.taskbase:HamaynkTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_queue_folders(sender, **kwargs):
    """The file-system queue's folders (in the data folder) exist before anything is sent or read:
    kombu does not make them, and an installed wheel starts with no data folder at all."""
    if not str(sender.conf.broker_url or "").startswith("filesystem"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


def broker_mode():
    """'rabbitmq', 'filesystem' or 'eager': what `hamaynk` tells the operator it runs on."""
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    url = settings.CELERY_BROKER_URL
    return (
        "filesystem" if url.startswith("filesystem") else ("rabbitmq" if url.startswith("amqp") else url.split(":")[0])
    )
