from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import routing
from .models import Domain, Municipality


@receiver([post_save, post_delete], sender=Domain)
def domain_changed(sender, instance, **kwargs):
    # Forget both now and after commit: a reader between the two would re-cache the old row.
    routing.forget(instance.domain)
    transaction.on_commit(lambda: routing.forget(instance.domain))


@receiver([post_save, post_delete], sender=Municipality)
def municipality_changed(sender, instance, **kwargs):
    if instance.pk is None:
        return
    # The hosts are read now: after a delete commits, the row and its domains are gone.
    hosts = routing.hosts_of(instance)
    routing.forget(*hosts)
    transaction.on_commit(lambda: routing.forget(*hosts))
