"""Background jobs that run inside a municipality, fanned out from the platform."""

import functools
import random

from celery import shared_task
from django.db import connection
from django_tenants.utils import tenant_context

from hamaynk.modules import all_modules

from .models import Municipality, StatisticsSnapshot


class MissingMunicipality(RuntimeError):
    pass


def municipal_task(function):
    """Refuses to run in the public schema: a task sent without a municipality fails loudly
    instead of silently reading or writing the platform's tables."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if getattr(connection.tenant, "uuid", None) is None:
            raise MissingMunicipality(f"{function.__name__} must be sent from a municipality's context")
        return function(*args, **kwargs)

    return wrapper


@shared_task(acks_late=True)
@municipal_task
def collect_statistics():
    values = {}
    for module in all_modules():
        if module.statistics:
            for key, value in module.statistics().items():
                values[f"{module.code}.{key}"] = value
    StatisticsSnapshot.objects.update_or_create(municipality_id=connection.tenant.pk, defaults={"values": values})
    return values


@shared_task
def collect_all_statistics(spread_seconds=300):
    """Fans out to active municipalities only, spread over a few minutes so they don't all
    hit the database at once."""
    for municipality in Municipality.objects.filter(status=Municipality.Status.ACTIVE):
        with tenant_context(municipality):
            collect_statistics.apply_async(countdown=random.uniform(0, spread_seconds))
