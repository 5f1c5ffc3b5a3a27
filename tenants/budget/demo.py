"""Demo budget figures for a community of about 20,000 people: three closed years and the
current one, whose execution is still in progress. Deterministic for a given seed."""

import random

from django.db import transaction
from django.utils import timezone

from .models import Category, Line

FIRST_YEAR_TOTAL = 2_400_000_000  # drams planned in the first demo year, ~120,000 per resident
GROWTH = 0.06  # a year
# Share of the total per category code, as in the armenia-community template.
SHARES = {
    "R1": 0.09,
    "R2": 0.05,
    "R3": 0.06,
    "R4": 0.08,
    "R5": 0.04,
    "R6": 0.42,
    "R7": 0.20,
    "R8": 0.06,
    "01": 0.29,
    "02": 0.005,
    "03": 0.005,
    "04": 0.21,
    "05": 0.08,
    "06": 0.11,
    "07": 0.005,
    "08": 0.07,
    "09": 0.195,
    "10": 0.03,
}
# How much of the plan a closed year executed: revenue may exceed its plan, spending rarely does.
CLOSED_YEAR_EXECUTION = {Category.Direction.REVENUE: (0.90, 1.06), Category.Direction.EXPENDITURE: (0.82, 0.99)}


@transaction.atomic
def seed(seed_value=1):
    """Fills the budget once; returns False when the municipality already has figures."""
    if Line.objects.exists():
        return False
    rng = random.Random(seed_value)
    today = timezone.localdate()
    elapsed = today.timetuple().tm_yday / 366
    categories = [c for c in Category.objects.all() if c.code in SHARES]
    lines = []
    for offset, year in enumerate(range(today.year - 3, today.year + 1)):
        total = FIRST_YEAR_TOTAL * (1 + GROWTH) ** offset
        for category in categories:
            planned = round(total * SHARES[category.code] * rng.uniform(0.9, 1.1), -3)
            if year == today.year:
                rate = elapsed * rng.uniform(0.75, 0.95)
            else:
                rate = rng.uniform(*CLOSED_YEAR_EXECUTION[category.direction])
            lines.append(
                Line(year=year, category=category, planned=int(planned), executed=int(round(planned * rate, -3)))
            )
    Line.objects.bulk_create(lines)
    return True
