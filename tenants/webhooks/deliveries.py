"""Deliveries: made from events (one per matching subscription), sent when due, retried with
exponential backoff for WEBHOOK_RETRY_HOURS, then given up (the subscription's page lists them
and can send them again).

Everything runs in the schema that holds the deliveries: a municipality's own, or the public
schema for the ministry's. The public table `webhooks_dueschema` says which schemas have a
delivery due and from when, so the periodic run opens only those."""

import datetime

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context

from . import payload, sender, signing, urlsafety
from .models import Attempt, Delivery, Subscription

log = structlog.get_logger(__name__)

# While a worker sends a delivery, the delivery is not due: if the worker dies, it is due again
# after this long (a request never lasts longer than its timeout).
LEASE_MARGIN_SECONDS = 30


# Making deliveries -------------------------------------------------------------------------------


def fan_out(event):
    """Writes one delivery per active subscription that wants the event: the municipality's own
    (when the event is a municipality's) and the ministry's. Runs in the event's schema, inside
    the consumer's transaction; a second run for the same event adds nothing."""
    made = 0
    public = get_public_schema_name()
    here = connection.schema_name
    if here != public:
        made += _make(Subscription.objects.filter(event_types__contains=[event.type]), event)
    with schema_context(public):
        ministry = Subscription.objects.filter(event_types__contains=[event.type])
        region = _region_of(event.municipality_slug)
        ministry = ministry.filter(region__in=["", region]) if region else ministry.filter(region="")
        made += _make(ministry, event)
    return made


def _region_of(slug):
    if not slug:
        return ""
    from hamaynk.tenancy.models import Municipality

    return Municipality.objects.filter(slug=slug).values_list("region__code", flat=True).first() or ""


def _make(subscriptions, event):
    targets = list(subscriptions.filter(paused_at__isnull=True).values_list("pk", flat=True))
    if not targets:
        return 0
    now = timezone.now()
    body = payload.body(event)
    created = Delivery.objects.bulk_create(
        [
            Delivery(
                subscription_id=pk,
                event_id=event.id,
                event_type=event.type,
                municipality_slug=event.municipality_slug,
                body=body,
                next_attempt_at=now,
                give_up_at=now + retry_window(),
            )
            for pk in targets
        ],
        ignore_conflicts=True,
    )
    mark_due(connection.schema_name, now)
    schema = connection.schema_name
    transaction.on_commit(lambda: kick(schema))
    return len(created)


def retry_window():
    return datetime.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)


# The index of schemas with deliveries due --------------------------------------------------------


def mark_due(schema, at):
    """Records that `schema` has a delivery due at `at` (keeps the earlier time if one is known)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.webhooks_dueschema (schema_name, next_due_at) VALUES (%s, %s) "
            "ON CONFLICT (schema_name) DO UPDATE "
            "SET next_due_at = LEAST(public.webhooks_dueschema.next_due_at, EXCLUDED.next_due_at)",
            [schema, at],
        )


def refresh_due(schema):
    """Sets the schema's entry to its earliest due delivery, or removes it. The entry's row lock
    orders this against a delivery being made at the same moment (its upsert waits, or this waits
    for it and then sees the new delivery)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM public.webhooks_dueschema WHERE schema_name = %s FOR UPDATE", [schema])
        earliest = _waiting().aggregate(at=Min("next_attempt_at"))["at"]
        if earliest is None:
            cursor.execute("DELETE FROM public.webhooks_dueschema WHERE schema_name = %s", [schema])
        else:
            cursor.execute(
                "INSERT INTO public.webhooks_dueschema (schema_name, next_due_at) VALUES (%s, %s) "
                "ON CONFLICT (schema_name) DO UPDATE SET next_due_at = EXCLUDED.next_due_at",
                [schema, earliest],
            )


def claim_due_schemas(limit=1000):
    """The schemas with a delivery due now. Each is pushed a sweep interval ahead: a run sent for
    it sets the real time when it ends, and a run that never happens makes it due again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE public.webhooks_dueschema SET next_due_at = now() + make_interval(secs => %s) "
            "WHERE id IN (SELECT id FROM public.webhooks_dueschema WHERE next_due_at <= now() "
            "ORDER BY next_due_at LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING schema_name",
            [settings.WEBHOOK_SWEEP_SECONDS * 2, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def kick(schema):
    """Asks a worker to send the schema's due deliveries now rather than at the next sweep. Only
    a shortcut: if the broker is away the sweep finds them."""
    from .tasks import send_due as task

    try:
        task.apply_async(headers={"_schema_name": schema}, retry=False)
    except Exception as exc:  # the broker is away: the periodic sweep sends them
        log.warning("webhooks.kick_failed", schema=schema, error=str(exc))


# Sending -----------------------------------------------------------------------------------------


def _waiting():
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, subscription__paused_at__isnull=True, next_attempt_at__isnull=False
    )


def send_due(batch=50, budget_seconds=None):
    """Sends the current schema's due deliveries. Returns how many attempts were made.

    Deliveries are leased (their next attempt moved past the request's timeout) in a short
    transaction, then sent without one. A receiver that fails is not tried again in this run:
    its other deliveries wait for the failed one's next attempt, so a receiver that is down costs
    one timeout per run, not one per delivery."""
    budget = budget_seconds if budget_seconds is not None else settings.WEBHOOK_RUN_SECONDS
    started = timezone.now()
    attempts = 0
    failing = {}
    while (timezone.now() - started).total_seconds() < budget:
        now = timezone.now()
        lease = now + datetime.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS)
        with transaction.atomic():
            due = list(
                _waiting()
                .filter(next_attempt_at__lte=now)
                .exclude(subscription_id__in=list(failing))
                .select_related("subscription")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_attempt_at", "pk")[:batch]
            )
            Delivery.objects.filter(pk__in=[d.pk for d in due]).update(next_attempt_at=lease)
        if not due:
            break
        for delivery in due:
            if delivery.subscription_id in failing:
                _follow(delivery, failing[delivery.subscription_id])
                continue
            attempt(delivery)
            attempts += 1
            if delivery.status == Delivery.Status.PENDING:
                failing[delivery.subscription_id] = delivery.next_attempt_at
    refresh_due(connection.schema_name)
    return attempts


def _follow(delivery, when):
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(next_attempt_at=when)


def backoff(attempts):
    """Seconds to wait after attempt number `attempts` failed: base, twice that, four times …
    up to WEBHOOK_RETRY_MAX_INTERVAL_SECONDS."""
    step = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return min(step, settings.WEBHOOK_RETRY_MAX_INTERVAL_SECONDS)


def attempt(delivery):
    """POSTs the delivery once and records what happened."""
    subscription = delivery.subscription
    number = delivery.attempts + 1
    body = delivery.body.encode()
    at = timezone.now()
    try:
        target = urlsafety.check(subscription.url)
    except urlsafety.UnsafeAddress as exc:
        outcome = sender.Outcome(None, "", str(exc), 0)
    else:
        outcome = sender.post(
            target, body, signing.headers(subscription.secret, body, number), settings.WEBHOOK_TIMEOUT_SECONDS
        )
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            at=at,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error[:500],
            response_body=outcome.body[: sender.RESPONSE_KEEP_BYTES],
            succeeded=outcome.succeeded,
        )
        delivery.attempts = number
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error[:500]
        now = timezone.now()
        if outcome.succeeded:
            delivery.status = Delivery.Status.DELIVERED
            delivery.finished_at = now
            delivery.next_attempt_at = None
        else:
            if outcome.status_code == 410:
                _pause_gone(subscription)
            following = now + datetime.timedelta(seconds=backoff(number))
            if now >= delivery.give_up_at:
                delivery.status = Delivery.Status.DEAD
                delivery.finished_at = now
                delivery.next_attempt_at = None
                log.warning("webhooks.given_up", delivery=delivery.pk, subscription=subscription.pk, attempts=number)
            else:
                # The last try falls on the window's end rather than past it.
                delivery.next_attempt_at = min(following, delivery.give_up_at)
        delivery.save(
            update_fields=["attempts", "last_status_code", "last_error", "status", "finished_at", "next_attempt_at"]
        )
    return outcome


def _pause_gone(subscription):
    """410 Gone: the receiver says the address is no more. Sending on would be noise."""
    from .services import pause

    pause(
        Subscription.objects.select_for_update().get(pk=subscription.pk),
        _("The receiver answered 410 Gone."),
        user=None,
    )
    subscription.paused_at = timezone.now()


def send_again(delivery):
    """A given-up delivery goes out again, with a new retry window."""
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, next_attempt_at=now, give_up_at=now + retry_window(), finished_at=None
        )
        mark_due(connection.schema_name, now)
        schema = connection.schema_name
        transaction.on_commit(lambda: kick(schema))
