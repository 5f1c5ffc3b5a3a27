"""Cases: intake, numbering, transitions by role, deadlines with pauses, notifications,
tracking and isolation."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connections, transaction
from django_tenants.utils import schema_context

from tenants.cases import workflow
from tenants.cases.models import Case
from tenants.catalogue.models import Service
from tenants.workcalendar.calendar import WorkingCalendar
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in, staff_user

D = datetime.date
RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": "Կենտրոն, Բաղրամյան, 11, 4",
    "purpose": "Բանկ",
}
APPLICANT = {"name": "Անի Պետրոսյան", "email": "ani@example.am", "phone": "+374 91 000000", "language": "hy"}


@pytest.fixture(scope="module")
def town():
    return provision_ok()


def service(town, code):
    with schema_context(town.schema_name):
        return Service.objects.select_related("department").get(code=code)


def test_an_application_gets_a_number_a_code_and_a_due_date(town):
    with schema_context(town.schema_name):
        residence = Service.objects.get(code="residence_certificate")
        case = workflow.submit(residence, RESIDENCE, applicant=APPLICANT, channel="window")
        assert case.reg_number == f"{case.year}/{case.number:05d}" and case.state == "submitted"
        assert len(case.tracking_code) == 14 and case.tracking_code.count("-") == 2
        assert case.data["address"]["street"] == "Բաղրամյան"
        calendar = WorkingCalendar.load()
        assert case.due_date == calendar.add_working_days(case.submitted_at.date(), 1)
        assert list(case.events.values_list("action", flat=True)) == ["submit"]


def test_bad_input_is_refused_with_messages_and_nothing_stored(town):
    with schema_context(town.schema_name):
        residence = Service.objects.get(code="residence_certificate")
        before = Case.objects.count()
        with pytest.raises(workflow.CaseInvalid) as caught:
            workflow.submit(
                residence,
                {**RESIDENCE, "psn": "12", "first_name": ""},
                applicant={**APPLICANT, "name": ""},
                channel="window",
            )
        assert set(caught.value.errors) == {"psn", "first_name", "applicant_name"}
        with pytest.raises(workflow.CaseInvalid):
            workflow.submit(
                Service.objects.get(code="planning_assignment_4"), {}, applicant=APPLICANT, channel="online"
            )
        assert Case.objects.count() == before


def test_one_hundred_concurrent_submissions_get_one_hundred_consecutive_numbers(town):
    from hamaynk.tenancy.models import Municipality

    municipality = Municipality.objects.get(pk=town.pk)
    with schema_context(town.schema_name):
        residence = Service.objects.get(code="residence_certificate")
        start = Case.objects.filter(year=datetime.date.today().year).count()
    numbers, errors = [], []
    lock = threading.Lock()

    def submit_many(count):
        connections["default"].set_tenant(municipality)
        try:
            for _ in range(count):
                case = workflow.submit(residence, RESIDENCE, applicant={"name": "Անի Պետրոսյան"}, channel="online")
                with lock:
                    numbers.append(case.number)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit_many, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sorted(numbers) == list(range(start + 1, start + 101))


def test_transitions_are_allowed_and_refused_by_role(town):
    operator = staff_user(town, "op@cases.test", "front_office")
    specialist = staff_user(town, "spec@cases.test", "specialist")
    head = staff_user(town, "head@cases.test", "department_head")
    editor = staff_user(town, "ed@cases.test", "editor")
    with schema_context(town.schema_name):
        residence = Service.objects.get(code="residence_certificate")
        case = workflow.submit(residence, RESIDENCE, applicant=APPLICANT, channel="window")
        with pytest.raises(workflow.NotAllowed):
            workflow.apply(case, "accept", user=editor)
        with pytest.raises(workflow.NotAllowed):
            workflow.apply(case, "grant", user=specialist)  # not from "submitted"
        case = workflow.apply(case, "accept", user=operator)
        with pytest.raises(workflow.NotAllowed):
            workflow.apply(case, "refuse", user=specialist)  # only the head refuses
        with pytest.raises(workflow.CaseInvalid):
            workflow.apply(case, "refuse", user=head, comment="  ")  # a refusal needs its reason
        case = workflow.apply(case, "grant", user=specialist)
        assert case.state == "ready" and case.decision == "granted" and case.closed_at is None
        case = workflow.apply(case, "hand_over", user=operator)
        assert case.state == "issued" and case.closed_at is not None
        assert [e.action for e in case.events.all()] == ["submit", "accept", "grant", "hand_over"]
        assert [t["code"] for t in workflow.allowed_transitions(case, operator)] == []


def test_a_request_for_information_stops_the_clock(town):
    specialist = staff_user(town, "spec2@cases.test", "specialist")
    with schema_context(town.schema_name):
        permit = Service.objects.get(code="construction_permit")
        case = workflow.submit(
            permit,
            {
                "applicant": "«Շին» ՍՊԸ",
                "cadastral_code": "07-001-0001-0001",
                "address": "Կենտրոն, Մաշտոցի, 3",
                "purpose": "residential",
                "floors": "3",
                "area_m2": "420.5",
            },
            applicant=APPLICANT,
            channel="window",
        )
        due = case.due_date
        workflow.apply(case, "accept", user=specialist)
        monday = D(2026, 9, 14)
        case = workflow.apply(
            case, "request_info", user=specialist, comment="Կցեք փորձաքննության եզրակացությունը", today=monday
        )
        assert case.paused_since == monday
        # The applicant answers on Tuesday 22.09: Mon 14 → Tue 22 spans 5 working days (21.09 is a holiday).
        case = workflow.apply(case, "provide_info", applicant=True, today=D(2026, 9, 22))
        assert case.paused_days == 5 and case.paused_since is None
        assert case.due_date == WorkingCalendar.load().add_working_days(due, 5)
        event = case.events.last()
        assert event.by_applicant and event.public


def test_notifications_are_sent_once_after_commit_and_never_on_rollback(town, celery_worker, settings):
    import time

    from hamaynk.sms import MemorySmsBackend
    from tests.events_helpers import relay_once

    settings.SMS_BACKEND = "hamaynk.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    mail.outbox.clear()
    with schema_context(town.schema_name):
        residence = Service.objects.get(code="residence_certificate")
        with pytest.raises(RuntimeError), transaction.atomic():
            workflow.submit(
                residence, RESIDENCE, applicant={**APPLICANT, "email": "rollback@example.am"}, channel="window"
            )
            raise RuntimeError("the operator's screen froze")
        case = workflow.submit(
            residence,
            RESIDENCE,
            applicant={**APPLICANT, "email": "kept@example.am", "language": "en"},
            channel="window",
        )
    relay_once()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not [m for m in mail.outbox if "kept@example.am" in m.to]:
        time.sleep(0.1)
    time.sleep(0.5)
    sent = [m for m in mail.outbox if "kept@example.am" in m.to]
    assert len(sent) == 1 and case.reg_number in sent[0].subject and case.tracking_code in sent[0].body
    assert "was registered under number" in sent[0].body  # in the applicant's language
    assert not [m for m in mail.outbox if "rollback@example.am" in m.to]
    ours = [(phone, text) for phone, text in MemorySmsBackend.outbox if case.reg_number in text]
    assert [phone for phone, _text in ours] == [APPLICANT["phone"]] and case.tracking_code in ours[0][1]


# Through the browser's eyes, without a browser ------------------------------------------------


def test_the_walk_in_form_refuses_a_wrong_file_and_scripts_are_shown_escaped(town, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    operator = signed_in(client_for, town, "op3@cases.test", "front_office")
    data = {
        "service": "mayor_request",
        "applicant_name": "<script>alert(1)</script>",
        "full_name": "Ա Բ",
        "subject": "<b>Փողոցի լույսը</b>",
        "text": "<script>alert('x')</script>",
    }
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    response = operator.post("/staff/cases/new/", {**data, "documents": fake}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Only PDF, PNG, JPEG" in response.content.decode()
    with schema_context(town.schema_name):
        assert not Case.objects.filter(data__subject="<b>Փողոցի լույսը</b>").exists()
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    response = operator.post("/staff/cases/new/", {**data, "documents": big}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "larger than 10 MB" in response.content.decode()
    with schema_context(town.schema_name):
        assert not Case.objects.filter(data__subject="<b>Փողոցի լույսը</b>").exists()
    response = operator.post("/staff/cases/new/", data)
    assert response.status_code == 302
    page = operator.get(response["Location"]).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_inbox_sorts_by_due_date_and_shows_overdue(town, client_for):
    operator = signed_in(client_for, town, "op4@cases.test", "front_office")
    with schema_context(town.schema_name):
        request = Service.objects.get(code="mayor_request")
        late = workflow.submit(
            request, {"full_name": "Ուշ", "subject": "Ա", "text": "Բ"}, applicant=APPLICANT, channel="window"
        )
        Case.objects.filter(pk=late.pk).update(due_date=datetime.date(2020, 1, 10))
    page = operator.get("/staff/cases/", {"scope": "all", "due": "overdue"}).content.decode()
    assert f'data-case="{late.reg_number}" class="due-overdue"' in page
    rows = operator.get("/staff/cases/", {"scope": "all"}).context["rows"]
    dues = [case.due_date for case, _status in rows]
    assert dues == sorted(dues)
    queue = operator.get("/staff/cases/", {"scope": "all", "department": "secretariat"}).context["rows"]
    assert queue and {case.service.code for case, _status in queue} == {"mayor_request"}


def test_the_public_tracking_page_shows_status_and_no_personal_data(town, client_for):
    with schema_context(town.schema_name):
        case = workflow.submit(
            Service.objects.get(code="residence_certificate"), RESIDENCE, applicant=APPLICANT, channel="online"
        )
    page = (
        client_for(town.primary_host)
        .get("/track/", {"code": case.tracking_code.lower()}, HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert case.reg_number in page and "Submitted" in page
    for private in (RESIDENCE["psn"], "Պետրոսյան", APPLICANT["email"], APPLICANT["phone"], "Բաղրամյան"):
        assert private not in page
    miss = client_for(town.primary_host).get("/track/", {"code": "AAAA-BBBB-CCCC"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "No application has this tracking code" in miss.content.decode()


def test_online_application_is_registered_only_after_the_email_link(town, client_for):
    mail.outbox.clear()
    citizen = client_for(town.primary_host)
    form = {
        "applicant_name": "Նարե Սարգսյան",
        "applicant_email": "nare@example.am",
        **RESIDENCE,
        "address_0": "Կենտրոն",
        "address_1": "Բաղրամյան",
        "address_2": "11",
        "address_3": "",
    }
    del form["address"]
    with schema_context(town.schema_name):
        before = Case.objects.count()
    response = citizen.post("/apply/residence_certificate/", form)
    assert response.status_code == 200 and "nare@example.am" in response.content.decode()
    with schema_context(town.schema_name):
        assert Case.objects.count() == before
    sent = [m for m in mail.outbox if m.to == ["nare@example.am"]]
    link = next(line for line in sent[-1].body.splitlines() if "/apply/confirm/" in line)
    path = link.split(town.primary_host, 1)[1].split("/", 1)[1]
    done = citizen.get("/" + path)
    case = done.context["case"]
    assert case.channel == "online" and case.applicant_email == "nare@example.am"
    again = citizen.get("/" + path)  # the link works once: opening it again shows the same case
    assert again.context["case"].pk == case.pk
    with schema_context(town.schema_name):
        assert Case.objects.count() == before + 1
    assert citizen.get("/apply/confirm/not-a-token/").status_code == 404


def test_a_case_of_one_municipality_is_found_nowhere_else(town, alpha, client_for):
    with schema_context(town.schema_name):
        case = workflow.submit(
            Service.objects.get(code="residence_certificate"), RESIDENCE, applicant=APPLICANT, channel="window"
        )
    page = (
        client_for("alpha.localhost")
        .get("/track/", {"code": case.tracking_code}, HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "No application has this tracking code" in page
    admin = signed_in(client_for, alpha, "cases-admin@alpha.test", "administrator")
    with schema_context(alpha.schema_name):
        exists = Case.objects.filter(pk=case.pk).exists()
    response = admin.get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 404 or (exists and case.reg_number not in response.content.decode())
    with schema_context(alpha.schema_name):
        assert not Case.objects.filter(tracking_code=case.tracking_code).exists()


PERMIT = {
    "applicant": "«Շին» ՍՊԸ",
    "cadastral_code": "07-001-0001-0002",
    "address": "Կենտրոն, Մաշտոցի, 21",
    "purpose": "residential",
    "floors": "4",
    "area_m2": "610",
}


def _granted_permit(town, head, specialist):
    from tenants.registers import services as registers

    permit = Service.objects.get(code="construction_permit")
    case = workflow.submit(permit, PERMIT, applicant=APPLICANT, channel="window")
    workflow.apply(case, "accept", user=specialist)
    workflow.apply(case, "propose", user=specialist)
    return case, registers


def test_a_granted_permit_enters_the_buildings_register_in_the_same_transaction(town):
    specialist = staff_user(town, "spec5@cases.test", "specialist")
    head = staff_user(town, "head5@cases.test", "department_head")
    with schema_context(town.schema_name):
        case, registers = _granted_permit(town, head, specialist)
        case = workflow.apply(case, "grant", user=head)
        building = registers.lookup("buildings", permit_number=case.reg_number)
        assert building.data["floors"] == 4 and building.data["address"]["street"] == "Մաշտոցի"
        assert building.changes.get().actor == case.reg_number

        # A second decision that the register refuses (the permit number is already there)
        # leaves the case exactly as it was.
        other, _registers = _granted_permit(town, head, specialist)
        registers.create(
            "buildings", {"address": "Կենտրոն, Մաշտոցի, 1", "purpose": "residential", "permit_number": other.reg_number}
        )
        with pytest.raises(workflow.CaseInvalid) as caught:
            workflow.apply(other, "grant", user=head)
        assert "buildings.permit_number" in caught.value.errors
        other.refresh_from_db()
        assert other.state == "for_approval" and other.decision == "" and other.closed_at is None
        assert not other.events.filter(action="grant").exists()


def test_the_window_form_is_prefilled_from_the_residents_register_and_the_read_is_logged(town, client_for):
    from tenants.registers import services as registers
    from tenants.registers.models import PersonalDataAccess
    from tests.registers_helpers import resident

    with schema_context(town.schema_name):
        registers.create("residents", resident(55, last_name="Ղազարյան", first_name="Լուսինե"))
    operator = signed_in(client_for, town, "op6@cases.test", "front_office")
    page = operator.get("/staff/cases/new/", {"service": "residence_certificate", "lookup_psn": resident(55)["psn"]})
    form = page.context["form"]
    assert form.initial["last_name"] == "Ղազարյան" and form.initial["first_name"] == "Լուսինե"
    assert form.initial["address"]["street"] == "Բաղրամյան"
    with schema_context(town.schema_name):
        entry = PersonalDataAccess.objects.latest("id")
        assert entry.person_ids == [resident(55)["psn"]] and entry.user.username == "op6@cases.test"
    missing = operator.get(
        "/staff/cases/new/", {"service": "residence_certificate", "lookup_psn": "9999999999"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Not found in the register" in missing.content.decode()
