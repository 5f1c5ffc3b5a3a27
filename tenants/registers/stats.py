from django.db.models import Count

from .models import Record, Register


def collect():
    counts = dict(
        Record.objects.filter(deleted_at__isnull=True)
        .values_list("register__code")
        .annotate(n=Count("id"))
        .values_list("register__code", "n")
    )
    registers = list(Register.objects.values_list("code", "name_hy", "name_en", "name_ru"))
    figures = {f"records_{code}": counts.get(code, 0) for code, *_names in registers}
    # The registers' names go with their counts, so the console labels the figures without
    # entering the municipality's schema.
    figures["names"] = {code: {"hy": hy, "en": en, "ru": ru} for code, hy, en, ru in registers}
    return figures
