"""Demo applications at several stages, so a demo municipality's inbox and KPIs look lived in."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tenants.catalogue.models import Service
from tenants.registers.demo import FEMALE, MALE, STREETS, SURNAMES

from . import workflow
from .models import Case, CaseEvent

# How far each demo application has come: a list of (transition, role).
PATHS = [
    [],
    [("accept", "front_office")],
    [("accept", "front_office"), ("request_info", "specialist")],
    [("accept", "front_office"), ("grant", "specialist")],
    [("accept", "front_office"), ("grant", "specialist"), ("hand_over", "front_office")],
]


def _form(service, rng, name):
    values = {}
    for code, field_type in service.form_fields.items():
        kind = field_type.spec["type"]
        if kind == "personal_id":
            values[code] = str(rng.randint(1000000000, 1999999999))
        elif kind == "address":
            values[code] = f"Կենտրոն, {rng.choice(STREETS)}, {rng.randint(1, 90)}"
        elif kind == "choice":
            values[code] = field_type.spec["choices"][0]["value"]
        elif kind in ("integer", "decimal"):
            values[code] = str(max(int(field_type.spec.get("min", 1)), 1) + rng.randint(0, 3))
        elif code == "cadastral_code":
            values[code] = f"07-001-{rng.randint(1, 999):04d}-{rng.randint(1, 9999):04d}"
        elif code == "tin":
            values[code] = str(rng.randint(10000000, 99999999))
        else:
            values[code] = name
    return values


@transaction.atomic
def seed(count=25, seed_value=1):
    """Creates demo applications once; staff users with the roles the workflows need."""
    if Case.objects.exists():
        return False
    rng = random.Random(seed_value)
    User = get_user_model()
    actors = {}
    for role in ("front_office", "specialist", "department_head"):
        user, _created = User.objects.get_or_create(username=f"{role}@demo", defaults={"email": f"{role}@demo"})
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=role))
        actors[role] = user
    services = list(
        Service.objects.filter(
            code__in=["residence_certificate", "family_certificate", "property_certificate", "mayor_request"]
        )
    )
    for n in range(count):
        service = rng.choice(services)
        name = f"{rng.choice(FEMALE + MALE)} {rng.choice(SURNAMES)}"
        case = workflow.submit(
            service,
            _form(service, rng, name),
            channel=rng.choice(["online", "window"]),
            applicant={"name": name, "phone": f"+374 9{rng.randint(1, 9)} {rng.randint(100000, 999999)}"},
            user=actors["front_office"],
        )
        for code, role in PATHS[n % len(PATHS)]:
            if service.transition(code) and code in [
                t["code"] for t in workflow.allowed_transitions(case, actors[role])
            ]:
                case = workflow.apply(
                    case,
                    code,
                    user=actors[role],
                    comment="Խնդրում ենք ներկայացնել անձնագրի պատճենը։" if code == "request_info" else "",
                )
        _spread_over_past_months(case, rng)
    return True


def _spread_over_past_months(case, rng):
    """Moves a demo application back in time, so the KPIs have months and processing times."""
    delta = datetime.timedelta(days=rng.randint(0, 150))
    submitted = case.submitted_at - delta
    changes = {"submitted_at": submitted, "due_date": workflow.due_date(case.service, timezone.localdate(submitted))}
    if case.closed_at or case.decided_at:
        took = datetime.timedelta(days=rng.randint(0, case.service.term_days + 3))
        if case.decided_at:
            changes["decided_at"] = submitted + took
        if case.closed_at:
            changes["closed_at"] = submitted + took
    Case.objects.filter(pk=case.pk).update(**changes)
    CaseEvent.objects.filter(case=case).update(at=F("at") - delta)
