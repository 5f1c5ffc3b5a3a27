"""Provisioning in the background, and the safety net that restarts runs nobody is working on."""

import datetime

import structlog
from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import ProvisioningRun
from .pipeline import execute

log = structlog.get_logger(__name__)

# A run still "pending" this long after it was accepted lost its message (the broker was down
# when it was handed out); one "running" this long lost its worker. The periodic job hands both
# out again; a run another worker still holds is skipped by its advisory lock.
STALLED_AFTER = datetime.timedelta(minutes=2)
ABANDONED_AFTER = datetime.timedelta(minutes=15)


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=10)
def provision_municipality(self, run_id):
    """Runs (or resumes) a provisioning run. Safe to deliver twice: finished steps are skipped."""
    run = ProvisioningRun.objects.select_related("municipality").get(pk=run_id)
    run = execute(run)
    return run.state


def dispatch(run):
    """Hands the run to a worker once the caller's transaction commits.

    If the broker cannot be reached the run is still saved; `resume_stalled_runs` (periodic)
    or the console's "Run provisioning again" picks it up later, so nothing accepted is lost.
    """

    def send():
        try:
            provision_municipality.delay(run.pk)
        except Exception as exc:  # the broker's errors vary by transport
            log.warning("provisioning.dispatch_failed", run=run.pk, error=str(exc))

    transaction.on_commit(send)


@shared_task
def resume_stalled_runs():
    now = timezone.now()
    stalled = ProvisioningRun.objects.filter(
        Q(state=ProvisioningRun.State.PENDING, created_at__lt=now - STALLED_AFTER)
        | Q(state=ProvisioningRun.State.RUNNING, started_at__lt=now - ABANDONED_AFTER)
    )
    count = 0
    for run in stalled:
        provision_municipality.delay(run.pk)
        count += 1
    return count
