"""The base class of every Hamaynk task: a database that is away for a moment delays a task, it
never drops it.

A worker that loses PostgreSQL (a restart, a failover, a cut network) gets an OperationalError or
an InterfaceError from whichever query comes first. Celery would count that as the task failing
and, with late acknowledgement, remove the message for good. Here the whole call — the switch
into the municipality's schema included — is wrapped: those two errors send the task back to the
queue with exponential backoff (half of each step is random, so a thousand waiting tasks don't
return in one burst) until TASK_DATABASE_RETRIES tries are used up.

The class is the Celery app's `task_cls` (hamaynk.celery), so every `@shared_task` gets it
without asking; tests/test_processes.py fails if a registered task does not.
"""

import contextlib
import random

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from tenant_schemas_celery.app import get_schema_name_from_task, switch_schema
from tenant_schemas_celery.task import TenantTask

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def retry_delay(retries, ceiling):
    """Seconds before try number `retries + 1`: 1, 2, 4 … capped at `ceiling`, the upper half
    of each step drawn at random."""
    step = min(float(ceiling), 2.0**retries)
    return random.uniform(step / 2, step)


class HamaynkTask(TenantTask):
    abstract = True
    retries_database_outages = True  # what the test of every registered task looks for

    def __call__(self, *args, **kwargs):
        try:
            self._enter_municipality(kwargs)
            return super().__call__(*args, **kwargs)
        except DATABASE_UNAVAILABLE as exc:
            with contextlib.suppress(*DATABASE_UNAVAILABLE):
                connection.close_if_unusable_or_obsolete()  # the next try opens a fresh one
            raise self.retry(
                exc=exc,
                countdown=retry_delay(self.request.retries or 0, settings.TASK_RETRY_BACKOFF_MAX),
                max_retries=settings.TASK_DATABASE_RETRIES,
            ) from exc

    def _enter_municipality(self, kwargs):
        """tenant-schemas-celery switches schemas in a `task_prerun` signal, and Celery logs and
        swallows a signal handler's error: with the database away, the task would go on in the
        public schema. The switch is done again here, where its error reaches the retry."""
        wanted = get_schema_name_from_task(self, kwargs)
        if wanted and connection.schema_name != wanted:
            switch_schema(self, kwargs)
