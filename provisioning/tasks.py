from celery import shared_task

from .models import ProvisioningRun
from .pipeline import execute


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=10)
def provision_municipality(self, run_id):
    """Runs (or resumes) a provisioning run. Safe to deliver twice: finished steps are skipped."""
    run = ProvisioningRun.objects.select_related("municipality").get(pk=run_id)
    run = execute(run)
    return run.state
