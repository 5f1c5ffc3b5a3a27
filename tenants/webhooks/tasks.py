"""The worker's side: send a schema's due deliveries; and the periodic sweep (sent by `hamaynk
beat`) that finds the schemas with deliveries due from the public index."""

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from . import deliveries


@shared_task(name="tenants.webhooks.send_due", acks_late=True)
def send_due():
    """In the schema given by the task's header (the public one for the ministry's)."""
    return deliveries.send_due()


@shared_task(name="tenants.webhooks.sweep")
def sweep():
    """Sends one `send_due` per schema with deliveries due (a schema claimed here but never run
    comes due again after two sweep intervals)."""
    with schema_context(get_public_schema_name()):
        schemas = deliveries.claim_due_schemas()
    for schema in schemas:
        send_due.apply_async(headers={"_schema_name": schema})
    connection.set_schema_to_public()
    return len(schemas)
