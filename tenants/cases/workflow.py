"""Case handling: submission with gapless numbers, transitions declared by the service's
workflow and allowed by role, deadlines in working days with pauses, assignment.

Every change goes through here: the case row is locked, the history is appended, and its
events are written to the outbox in the same transaction (hamaynk.events): the applicant's
notification follows from them, never for a transaction that rolled back."""

import datetime
import re
import secrets

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hamaynk import events, inputs
from hamaynk.errors import FieldErrors
from tenants.registers.fields import FieldError
from tenants.workcalendar.calendar import WorkingCalendar

from . import documents
from .models import Case, CaseCounter, CaseEvent

# No 0/O, 1/I/L: a code read aloud at the window or typed from a receipt is not misread.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class CaseInvalid(FieldErrors):
    """An application or an action with bad input."""


class NotAllowed(Exception):
    pass


def new_code(groups=3, size=4):
    """About 74 bits: a tracking code cannot be guessed."""
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(size)) for _ in range(groups))


def next_number(year):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_casecounter (year, last) VALUES (%s, 0) ON CONFLICT (year) DO NOTHING", [year]
        )
    counter = CaseCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def clean_form(service, raw):
    """The application's data checked against the service's form, or CaseInvalid."""
    data, errors = {}, {}
    for code, field_type in service.form_fields.items():
        try:
            value = field_type.clean(raw.get(code))
        except FieldError as exc:
            errors[code] = [str(exc)]
            continue
        if value is not None:
            data[code] = value
    return data, errors


def due_date(service, start, calendar=None):
    calendar = calendar or WorkingCalendar.load(start, start + datetime.timedelta(days=service.term_days * 3 + 60))
    if service.term_kind == "working":
        return calendar.add_working_days(start, service.term_days)
    return calendar.add_calendar_days(start, service.term_days)


def submit(service, raw, *, applicant, channel, user=None, now=None):
    """Registers an application. `applicant`: {name, email, phone, language}."""
    data, errors = clean_form(service, raw)
    if not (applicant.get("name") or "").strip():
        errors["applicant_name"] = [_("Enter the applicant's name.")]
    if channel == Case.Channel.ONLINE and not service.online:
        errors["__all__"] = [_("This service cannot be applied for online.")]
    for code, messages in inputs.length_errors(
        Case,
        applicant_name=applicant.get("name"),
        applicant_email=applicant.get("email"),
        applicant_phone=applicant.get("phone"),
    ).items():
        errors.setdefault(code, messages)
    if errors:
        raise CaseInvalid(errors)
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        case = Case.objects.create(
            service=service,
            year=today.year,
            number=next_number(today.year),
            tracking_code=new_code(),
            channel=channel,
            applicant_name=applicant["name"].strip(),
            applicant_email=applicant.get("email", ""),
            applicant_phone=applicant.get("phone", ""),
            applicant_language=applicant.get("language", "hy"),
            data=data,
            state=service.workflow["initial"],
            department=service.department,
            submitted_at=now,
            due_date=due_date(service, today),
            created_by=user,
        )
        event = CaseEvent.objects.create(
            case=case, user=user, by_applicant=user is None, action="submit", to_state=case.state, public=True
        )
        events.record(
            "case.submitted",
            case,
            {
                "case_id": case.pk,
                "reg_number": case.reg_number,
                "service": service.code,
                "channel": case.channel,
                "state": case.state,
                "case_event_id": event.pk,
            },
        )
    return case


def roles_of(user):
    if user is None or not user.is_authenticated:
        return set()
    return set(user.groups.filter(role__isnull=False).values_list("role__code", flat=True))


def is_administrator(user):
    return bool(user and user.is_authenticated and user.groups.filter(role__is_administrator=True).exists())


def allowed_transitions(case, user=None, applicant=False):
    roles = {"applicant"} if applicant else roles_of(user)
    admin = not applicant and is_administrator(user)
    return [
        t
        for t in case.service.workflow["transitions"]
        if case.state in t["from"] and (admin and "applicant" not in t["roles"] or roles & set(t["roles"]))
    ]


def apply(case, code, *, user=None, applicant=False, comment="", today=None):
    """Makes transition `code` on the case, if its state and the actor's role allow it."""
    today = today or timezone.localdate()
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("service").get(pk=case.pk)
        transition = next((t for t in allowed_transitions(case, user, applicant) if t["code"] == code), None)
        if transition is None:
            raise NotAllowed(_("This action is not possible for this application now."))
        if transition.get("comment_required") and not comment.strip():
            raise CaseInvalid({"comment": [_("Write the reason: the applicant will read it.")]})
        service = case.service
        leaving, entering = service.states[case.state], service.states[transition["to"]]
        if leaving.get("pauses") and case.paused_since:
            _resume_clock(case, today)
        if entering.get("pauses"):
            case.paused_since = today
        previous = case.state
        case.state = transition["to"]
        if transition.get("decision"):
            case.decision = transition["decision"]
            case.decided_at = timezone.now()
            if service.record.get("when") == case.decision:
                write_decision_record(case, user=None if applicant else user)
        if entering.get("final"):
            case.closed_at = timezone.now()
        case.save()
        event = CaseEvent.objects.create(
            case=case,
            user=None if applicant else user,
            by_applicant=applicant,
            action=code,
            from_state=previous,
            to_state=case.state,
            comment=comment.strip(),
            public=bool(entering.get("public")),
        )
        _record_transition(case, event, transition, entering)
        if transition.get("output"):
            output = documents.issue_output(case, event, user=None if applicant else user)
            events.record(
                "case.output_issued",
                case,
                {**_case_facts(case, event), "file_id": output.pk, "name": output.name},
            )
    return case


def _case_facts(case, event):
    return {"case_id": case.pk, "reg_number": case.reg_number, "service": case.service.code, "case_event_id": event.pk}


def _record_transition(case, event, transition, entering):
    """Every transition changes the status; some also ask the applicant for information (the
    clock pauses) or decide the case."""
    facts = _case_facts(case, event)
    events.record(
        "case.status_changed",
        case,
        {
            **facts,
            "action": event.action,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "public": event.public,
            "by_applicant": event.by_applicant,
        },
    )
    if entering.get("pauses"):
        events.record("case.information_requested", case, {**facts, "state": case.state})
    if transition.get("decision"):
        events.record("case.decided", case, {**facts, "decision": case.decision})


def write_decision_record(case, user=None):
    """The decision's record in a register (an issued permit enters the buildings register),
    inside the transition's transaction: if the register refuses it, the decision is not made."""
    from tenants.registers import services as registers

    rule = case.service.record
    known = {
        **case.data,
        "reg_number": case.reg_number,
        "applicant_name": case.applicant_name,
        "decided_on": timezone.localdate(case.decided_at).isoformat(),
    }
    values = {}
    for target, template in rule["fields"].items():
        whole = re.fullmatch(r"\{(\w+)\}", template)
        values[target] = (
            known.get(whole.group(1))
            if whole
            else re.sub(r"\{(\w+)\}", lambda m: str(known.get(m.group(1), "")), template)
        )
    try:
        return registers.create(rule["register"], values, user=user, actor=f"{case.reg_number}")
    except registers.RecordInvalid as exc:
        raise CaseInvalid({f"{rule['register']}.{k}": v for k, v in exc.errors.items()}) from exc


def _resume_clock(case, today):
    """The days spent waiting for the applicant do not count: the due date moves by them."""
    calendar = WorkingCalendar.load(case.paused_since, today + datetime.timedelta(days=400))
    if case.service.term_kind == "working":
        paused = sum(
            1
            for n in range(1, (today - case.paused_since).days + 1)
            if calendar.is_working_day(case.paused_since + datetime.timedelta(days=n))
        )
        case.due_date = calendar.add_working_days(case.due_date, paused)
    else:
        paused = (today - case.paused_since).days
        case.due_date = calendar.add_calendar_days(case.due_date, paused)
    case.paused_days += paused
    case.paused_since = None


def assign(case, *, to_user, by):
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        case.assigned_to = to_user
        case.save(update_fields=["assigned_to"])
        CaseEvent.objects.create(
            case=case, user=by, action="assign", comment=to_user.get_full_name() or to_user.username if to_user else ""
        )
    return case


def due_status(case, today=None, soon_days=2):
    """'overdue', 'due_soon' or 'on_time', as the inbox shows it."""
    if not case.is_open:
        return "closed"
    today = today or timezone.localdate()
    if case.paused_since:
        return "paused"
    if case.due_date < today:
        return "overdue"
    if (case.due_date - today).days <= soon_days:
        return "due_soon"
    return "on_time"
