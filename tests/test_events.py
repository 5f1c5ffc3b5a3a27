"""Events: the outbox is written with the change (never without it), the relay hands events on
and marks them sent, consumers take each event once, failures end as dead letters that can be
replayed, and one municipality's events never reach another's schema."""

import datetime
import io
import uuid

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from hamaynk import events
from hamaynk.events import registry
from hamaynk.events.models import DeadLetter, Event, PendingSchema, ProcessedEvent
from tenants.cases import workflow
from tenants.catalogue.models import Service
from tests.events_helpers import relay_once, wait_for

NOTIFICATION = "cases.applicant_notification"
RESIDENCE = {
    "psn": "1234567890",
    "last_name": "Պետրոսյան",
    "first_name": "Անի",
    "address": "Կենտրոն, Բաղրամյան, 11, 4",
    "purpose": "Բանկ",
}


def submit(municipality, email):
    with schema_context(municipality.schema_name):
        service = Service.objects.get(code="residence_certificate")
        return workflow.submit(
            service,
            RESIDENCE,
            applicant={"name": "Անի Պետրոսյան", "email": email, "language": "en"},
            channel="window",
        )


def outbox(municipality, **filters):
    with schema_context(municipality.schema_name):
        return list(Event.objects.filter(**filters).order_by("seq"))


def notifications_to(email):
    return [m for m in mail.outbox if m.to == [email]]


def test_a_provisioned_municipality_has_the_outbox_tables(alpha):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_name LIKE 'events_%%'",
            [alpha.schema_name],
        )
        assert {row[0] for row in cursor.fetchall()} >= {"events_event", "events_processedevent"}


def test_a_submission_writes_its_event_with_the_change_and_a_rollback_writes_none(alpha):
    case = submit(alpha, "outbox@example.am")
    [event] = outbox(alpha, type="case.submitted", aggregate_id=str(case.pk))
    assert event.municipality_uuid == alpha.uuid and event.municipality_slug == "alpha"
    assert event.aggregate_type == "cases.case" and event.version == 1 and event.sent_at is None
    assert event.payload["reg_number"] == case.reg_number and event.payload["case_id"] == case.pk
    # Contact details stay in the schema: the consumer entitled to them reads them there.
    assert "outbox@example.am" not in str(event.payload) and "Պետրոսյան" not in str(event.payload)
    assert PendingSchema.objects.filter(schema_name=alpha.schema_name).exists()

    before = len(outbox(alpha))
    with pytest.raises(RuntimeError), schema_context(alpha.schema_name), transaction.atomic():
        workflow.submit(
            Service.objects.get(code="residence_certificate"),
            RESIDENCE,
            applicant={"name": "Rolled Back", "email": "rolled@example.am"},
            channel="window",
        )
        raise RuntimeError("the clerk's screen froze")
    assert len(outbox(alpha)) == before


def test_the_relay_marks_events_sent_and_the_applicant_is_told_once(alpha, celery_worker):
    mail.outbox.clear()
    case = submit(alpha, "once@example.am")
    relay_once()
    [event] = outbox(alpha, type="case.submitted", aggregate_id=str(case.pk))
    assert event.sent_at is not None
    assert wait_for(lambda: notifications_to("once@example.am"))
    assert not PendingSchema.objects.filter(schema_name=alpha.schema_name).exists()

    # The same event delivered again (a relay that died before marking it sent) has no effect.
    from hamaynk.events.tasks import dispatch

    dispatch.delay([[alpha.schema_name, [str(event.id)]]])
    dispatch.delay([[alpha.schema_name, [str(event.id)]]])
    import time

    time.sleep(1.5)
    with schema_context(alpha.schema_name):
        assert ProcessedEvent.objects.filter(event_id=event.id, consumer=NOTIFICATION).count() == 1

    assert len(notifications_to("once@example.am")) == 1
    assert case.reg_number in notifications_to("once@example.am")[0].subject


def test_transitions_write_status_information_decision_and_output_events(alpha):
    from tests.registers_helpers import staff_user

    case = submit(alpha, "steps@example.am")
    specialist = staff_user(alpha, "events-specialist@alpha.test", "specialist")
    with schema_context(alpha.schema_name):
        case = workflow.apply(case, "accept", user=specialist)
        case = workflow.apply(case, "request_info", user=specialist, comment="Attach the passport copy.")
        case = workflow.apply(case, "provide_info", applicant=True)
        case = workflow.apply(case, "grant", user=specialist)
    kinds = [e.type for e in outbox(alpha, aggregate_id=str(case.pk), aggregate_type="cases.case")]
    assert kinds == [
        "case.submitted",
        "case.status_changed",  # accept
        "case.status_changed",  # request_info
        "case.information_requested",
        "case.status_changed",  # provide_info
        "case.status_changed",  # grant
        "case.decided",
        "case.output_issued",
    ]
    decided = outbox(alpha, aggregate_id=str(case.pk), type="case.decided")[0]
    assert decided.payload["decision"] == "granted" and decided.payload["case_id"] == case.pk
    issued = outbox(alpha, aggregate_id=str(case.pk), type="case.output_issued")[0]
    assert issued.payload["file_id"] and issued.payload["name"].endswith(".pdf")
    changed = outbox(alpha, aggregate_id=str(case.pk), type="case.status_changed")
    assert [(e.payload["from_state"], e.payload["to_state"]) for e in changed] == [
        ("submitted", "in_review"),
        ("in_review", "info_requested"),
        ("info_requested", "in_review"),
        ("in_review", "ready"),
    ]


def test_register_changes_and_imports_write_events_without_the_values(alpha):
    from tenants.registers import imports, services

    street_name = f"Փողոց {uuid.uuid4().hex[:6]}"
    with schema_context(alpha.schema_name):
        street = services.create("streets", {"name": street_name, "settlement": "Կենտրոն", "kind": "street"})
        services.update(street, {"name": street_name + " 2"})
        services.delete(street)
        kinds = [e.type for e in Event.objects.filter(aggregate_type="registers.record", aggregate_id=str(street.pk))]
        assert kinds == ["register.record.created", "register.record.changed", "register.record.deleted"]
        changed = Event.objects.get(aggregate_id=str(street.pk), type="register.record.changed")
        assert changed.payload == {
            "register": "streets",
            "record_id": street.pk,
            "record_uuid": str(street.uuid),
            "version": 2,
            "fields": ["name"],
        }
        assert street_name not in str(changed.payload)  # values stay in the register

        header = "Հանրային ծառայությունների համարանիշ,Ազգանուն,Անուն,Հայրանուն,Ծննդյան ամսաթիվ,Սեռ,Հաշվառման հասցե,Կարգավիճակ"
        rows = [
            '2100000001,Հակոբյան,Մարիամ,Արմենի,03.02.1991,Իգական,"Կենտրոն, Բաղրամյան, 11, 4",Հաշվառված',
            '2100000002,Սարգսյան,Դավիթ,Գագիկի,21.09.1985,male,"Կենտրոն, Շահումյան, 2",registered',
        ]
        register = services.get_register("residents")
        before = Event.objects.filter(type="register.record.created").count()
        imports.run(register, imports.read_csv(("\n".join([header, *rows]) + "\n").encode()))
        created = list(Event.objects.filter(type="register.record.created").order_by("seq")[before:])
        records = {str(r.uuid): r.pk for r in services.records("residents").filter(data__psn__startswith="21000")}
        assert {e.payload["record_uuid"]: int(e.aggregate_id) for e in created} == records
        assert all(e.municipality_slug == "alpha" and "Հակոբյան" not in str(e.payload) for e in created)


def test_budget_publication_and_page_publication_write_events(alpha):
    from tenants.budget import imports as budget_imports

    with schema_context(alpha.schema_name):
        lines = budget_imports.parse("year,category,planned,executed\n2031,01,100,50\n")
        done = budget_imports.apply(lines, user=None, file_name="b.csv", sha256="0" * 64)
        [published] = Event.objects.filter(type="budget.published", aggregate_id=str(done.pk))
        assert published.payload["years"] == [2031]

        from wagtail.models import Page

        page = Page.objects.filter(depth=2).first().specific
        page.save_revision().publish()
        assert Event.objects.filter(type="page.published", aggregate_id=str(page.pk)).exists()


class _Flaky(registry.Consumer):
    """Fails until `healed`: a consumer whose downstream is broken for a while."""

    name = "tests.flaky"
    event_types = frozenset({"tests.flaky"})
    healed = False
    effects = []

    def handle(self, event):
        if not self.healed:
            raise ValueError("the downstream system refused the event")
        type(self).effects.append(event.id)


@pytest.fixture
def flaky(settings):
    settings.EVENTS_CONSUMER_MAX_ATTEMPTS = 2
    settings.EVENTS_RETRY_BASE_SECONDS = 0.2
    consumer = registry.register(_Flaky())
    _Flaky.healed = False
    _Flaky.effects.clear()
    yield consumer
    registry._consumers.pop(consumer.name, None)


def test_a_consumer_that_keeps_failing_ends_in_the_dead_letters_and_can_be_replayed(
    alpha, celery_worker, flaky, client_for, ministry_user
):
    with schema_context(alpha.schema_name), transaction.atomic():
        event = events.record("tests.flaky", ("tests.thing", "1"), {"n": 1})
    relay_once()
    letter = wait_for(lambda: DeadLetter.objects.filter(event_id=event.id, replayed_at__isnull=True).first())
    assert letter is not None and letter.consumer == "tests.flaky" and letter.attempts == 2
    assert "the downstream system refused the event" in letter.error and letter.municipality_slug == "alpha"
    with schema_context(alpha.schema_name):
        assert not ProcessedEvent.objects.filter(event_id=event.id, consumer="tests.flaky").exists()  # no receipt

    out = io.StringIO()
    call_command("events", "dead-letters", stdout=out)
    assert f"{letter.pk}\t" in out.getvalue() and "tests.flaky" in out.getvalue()
    out = io.StringIO()
    call_command("events", "status", stdout=out)
    assert "dead letters waiting:" in out.getvalue() and "lag" in out.getvalue()

    _Flaky.healed = True
    out = io.StringIO()
    call_command("events", "replay", str(letter.pk), stdout=out)
    assert "replayed 1 dead letters" in out.getvalue()
    assert wait_for(lambda: _Flaky.effects == [event.id])
    letter.refresh_from_db()
    assert letter.replayed_at is not None


def test_platform_events_are_in_the_public_schema(alpha):
    with schema_context("public"):
        provisioned = list(Event.objects.filter(type="municipality.provisioned", municipality_uuid=alpha.uuid))
    assert len(provisioned) == 1 and provisioned[0].municipality_slug == "alpha"
    assert provisioned[0].payload["slug"] == "alpha"


def test_suspending_and_archiving_from_the_console_write_platform_events(client_for, ministry_user):
    from tests.conftest import provision_ok
    from tests.two_factor_helpers import verified_login

    municipality = provision_ok()
    console = verified_login(client_for("localhost"), ministry_user)
    console.post(f"/console/m/{municipality.uuid}/status/", {"status": "suspended"})
    console.post(f"/console/m/{municipality.uuid}/status/", {"status": "archived"})
    with schema_context("public"):
        kinds = list(
            Event.objects.filter(municipality_uuid=municipality.uuid).order_by("seq").values_list("type", flat=True)
        )
    assert kinds == ["municipality.provisioned", "municipality.suspended", "municipality.archived"]
    with schema_context(municipality.schema_name):
        assert not Event.objects.filter(type__startswith="municipality.").exists()


def test_each_municipality_s_events_carry_its_own_identity_and_stay_in_its_schema(alpha, beta, celery_worker):
    from hamaynk.events.tasks import dispatch

    mail.outbox.clear()
    in_alpha = submit(alpha, "alpha-resident@example.am")
    in_beta = submit(beta, "beta-resident@example.am")
    [alpha_event] = outbox(alpha, type="case.submitted", aggregate_id=str(in_alpha.pk))
    [beta_event] = outbox(beta, type="case.submitted", aggregate_id=str(in_beta.pk))
    assert (alpha_event.municipality_uuid, alpha_event.municipality_slug) == (alpha.uuid, "alpha")
    assert (beta_event.municipality_uuid, beta_event.municipality_slug) == (beta.uuid, "beta")
    assert not outbox(alpha, id=beta_event.id) and not outbox(beta, id=alpha_event.id)

    # A dispatch for alpha naming beta's event finds nothing: consumers read their own schema only.
    dispatch.delay([[alpha.schema_name, [str(beta_event.id)]]])
    relay_once()
    assert wait_for(
        lambda: notifications_to("alpha-resident@example.am") and notifications_to("beta-resident@example.am")
    )
    with schema_context(alpha.schema_name):
        assert not ProcessedEvent.objects.filter(event_id=beta_event.id).exists()  # no consumer, none
    with schema_context(beta.schema_name):
        assert wait_for(
            lambda: ProcessedEvent.objects.filter(event_id=beta_event.id, consumer=NOTIFICATION).count() == 1
        )
    assert len(notifications_to("beta-resident@example.am")) == 1
    assert beta.name_en not in notifications_to("alpha-resident@example.am")[0].body


def test_the_console_shows_dead_letters_in_the_operator_s_language_and_replays_them(
    alpha, beta, celery_worker, flaky, client_for, ministry_user
):
    from tests.two_factor_helpers import verified_login

    with schema_context(beta.schema_name), transaction.atomic():
        event = events.record("tests.flaky", ("tests.thing", "2"), {"n": 2})
    relay_once()
    letter = wait_for(lambda: DeadLetter.objects.filter(event_id=event.id, replayed_at__isnull=True).first())
    assert letter is not None and letter.municipality_slug == "beta" and letter.schema_name == beta.schema_name

    console = verified_login(client_for("localhost"), ministry_user)
    for language, heading in (
        ("hy", "Չառաքված իրադարձություններ"),
        ("en", "Dead letters"),
        ("ru", "Недоставленные события"),
    ):
        page = console.get("/console/events/", HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200 and f'data-letter="{letter.pk}"' in page.content.decode()
        assert heading in page.content.decode()
    page = console.get("/console/events/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Dead letters" in page and "the downstream system refused the event" in page

    anonymous = client_for("localhost").get("/console/events/")
    assert anonymous.status_code == 302 and "/console/login/" in anonymous["Location"]

    _Flaky.healed = True
    done = console.post("/console/events/replay/", {"letter": letter.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 302
    assert wait_for(lambda: _Flaky.effects == [event.id])
    with schema_context(beta.schema_name):
        assert ProcessedEvent.objects.filter(event_id=event.id, consumer="tests.flaky").count() == 1
    with schema_context(alpha.schema_name):
        assert not ProcessedEvent.objects.filter(event_id=event.id).exists()
    page = console.get("/console/events/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-letter="{letter.pk}"' not in page and "Sent again recently" in page


def test_without_a_broker_the_relay_feeds_the_file_system_queue_and_says_so(alpha, tmp_path):
    """The laptop default: no AMQP broker, the same relay hands the events to the consumers'
    queue on the file system and tells the operator that nothing goes to an exchange."""
    import os
    import signal
    import subprocess
    import sys

    queue = tmp_path / "queue"
    queue.mkdir()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": "filesystem://",
        "EVENTS_BROKER_URL": "filesystem://",
        "HAMAYNK_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }
    case = submit(alpha, "laptop@example.am")
    [event] = outbox(alpha, type="case.submitted", aggregate_id=str(case.pk))
    log = tmp_path / "relay.log"
    with open(log, "w") as out:
        relay = subprocess.Popen([sys.executable, "-m", "hamaynk.cli", "relay"], env=env, stdout=out, stderr=out)
        try:
            assert wait_for(lambda: outbox(alpha, id=event.id)[0].sent_at is not None, timeout=60), log.read_text()
            import base64
            import json

            queued = [base64.b64decode(json.loads(p.read_text())["body"]).decode() for p in queue.iterdir()]
            assert any(str(event.id) in body and alpha.schema_name in body for body in queued), queued[:2]
        finally:
            relay.send_signal(signal.SIGTERM)
            assert relay.wait(timeout=30) == 0
    text = log.read_text()
    assert "internal consumers only" in text and "Relay stopped" in text


def test_status_reads_the_index_and_the_relay_s_minute_counts(alpha, celery_worker):
    from hamaynk.events import operations

    relay_once()
    with schema_context(alpha.schema_name), transaction.atomic():
        events.record("status.probe", ("status.thing", 1), {})
    before = operations.status()
    assert before.pending >= 1 and before.pending_schemas >= 1 and before.oldest_pending_seconds is not None
    sent = relay_once()
    after = operations.status()
    assert after.pending == 0 and after.oldest_pending_seconds is None
    assert after.sent_last_hour >= before.sent_last_hour + sent >= before.sent_last_hour + 1


def test_purge_deletes_old_sent_events_and_receipts_but_keeps_dead_letters_and_recent_ones(alpha, beta):
    from hamaynk.events import operations

    def old_and_new(municipality):
        with schema_context(municipality.schema_name), transaction.atomic():
            old = [events.record("purge.probe", ("purge.thing", n), {}) for n in range(3)]
            new = events.record("purge.probe", ("purge.thing", 9), {})
        relay_once()
        with schema_context(municipality.schema_name):
            Event.objects.filter(id__in=[e.id for e in old]).update(
                sent_at=timezone.now() - datetime.timedelta(days=31)
            )
            for event in old + [new]:
                ProcessedEvent.objects.get_or_create(consumer="purge.test", event_id=event.id)
        return old, new

    alpha_old, alpha_new = old_and_new(alpha)
    beta_old, beta_new = old_and_new(beta)
    # A consumer kept failing on one of alpha's old events: its replay needs the event.
    letter = DeadLetter.objects.create(
        schema_name=alpha.schema_name,
        consumer="purge.test",
        event_id=alpha_old[0].id,
        event_type="purge.probe",
        error="boom",
    )
    try:
        deleted, receipts = operations.purge(keep_days=30)
    finally:
        letter.delete()
    assert deleted >= 5 and receipts >= 5
    with schema_context(alpha.schema_name):
        assert set(Event.objects.filter(type="purge.probe").values_list("id", flat=True)) >= {
            alpha_old[0].id,
            alpha_new.id,
        }
        assert not Event.objects.filter(id__in=[e.id for e in alpha_old[1:]]).exists()
        kept = set(ProcessedEvent.objects.filter(consumer="purge.test").values_list("event_id", flat=True))
        assert {alpha_old[0].id, alpha_new.id} <= kept and not kept & {e.id for e in alpha_old[1:]}
    with schema_context(beta.schema_name):
        assert not Event.objects.filter(id__in=[e.id for e in beta_old]).exists()
        assert Event.objects.filter(id=beta_new.id).exists()
    out = io.StringIO()
    call_command("events", "purge", stdout=out)
    assert out.getvalue().startswith("deleted ")


def test_a_dispatch_task_s_deliveries_commit_without_a_flush_each_and_end_with_one(alpha):
    from hamaynk.events import delivery

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    default = setting()
    with delivery.flushed_once():
        assert setting() == "off"
    assert setting() == default
    with pytest.raises(RuntimeError), delivery.flushed_once():
        raise RuntimeError("a consumer failed")
    assert setting() == default
