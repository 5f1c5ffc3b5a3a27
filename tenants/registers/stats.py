from django.db.models import Count

from .models import Record, Register


def collect():
    counts = dict(
        Record.objects.filter(deleted_at__isnull=True)
        .values_list("register__code")
        .annotate(n=Count("id"))
        .values_list("register__code", "n")
    )
    return {f"records_{code}": counts.get(code, 0) for code in Register.objects.values_list("code", flat=True)}
