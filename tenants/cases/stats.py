from django.utils import timezone

from .models import Case


def collect():
    today = timezone.localdate()
    open_cases = Case.objects.filter(closed_at__isnull=True)
    return {
        "open": open_cases.count(),
        "overdue": open_cases.filter(due_date__lt=today, paused_since__isnull=True).count(),
        "submitted_this_year": Case.objects.filter(year=today.year).count(),
    }
