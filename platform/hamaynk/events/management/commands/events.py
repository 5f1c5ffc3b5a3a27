"""`hamaynk events status | dead-letters | replay <id>|--all | purge [--keep-days N]`."""

from django.core.management.base import BaseCommand, CommandError

from hamaynk.events import operations
from hamaynk.events.models import DeadLetter


class Command(BaseCommand):
    help = "The events' state: pending and sent counts with the relay's lag, and the dead letters."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="pending and sent counts, the oldest pending event's age")
        sub.add_parser("dead-letters", help="events a consumer kept failing on")
        replay = sub.add_parser("replay", help="send dead letters to their consumer again")
        replay.add_argument("ids", nargs="*", type=int)
        replay.add_argument("--all", action="store_true")
        purge = sub.add_parser("purge", help="delete sent events (and their receipts) older than EVENTS_KEEP_DAYS")
        purge.add_argument("--keep-days", type=int, help="instead of EVENTS_KEEP_DAYS")

    def handle(self, *args, action, **options):
        getattr(self, action.replace("-", "_"))(**options)

    def status(self, **options):
        state = operations.status()
        lag = "none" if state.oldest_pending_seconds is None else f"{state.oldest_pending_seconds:.1f} s"
        self.stdout.write(f"pending events: {state.pending} in {state.pending_schemas} schemas")
        self.stdout.write(f"lag (oldest pending event): {lag}")
        self.stdout.write(f"sent in the last hour: {state.sent_last_hour}")
        self.stdout.write(f"dead letters waiting: {state.dead_letters}")

    def dead_letters(self, **options):
        letters = list(operations.waiting_dead_letters())
        for letter in letters:
            last = letter.error.strip().splitlines()[-1] if letter.error.strip() else ""
            self.stdout.write(
                f"{letter.pk}\t{letter.created_at:%Y-%m-%d %H:%M}\t{letter.municipality_slug or 'platform'}\t"
                f"{letter.event_type}\t{letter.consumer}\t{letter.attempts} tries\t{last}"
            )
        self.stdout.write(f"{len(letters)} dead letters waiting")

    def replay(self, ids=(), all=False, **options):
        if all == bool(ids):
            raise CommandError("Name the dead letters to replay, or --all.")
        letters = operations.waiting_dead_letters()
        if ids:
            letters = letters.filter(pk__in=ids)
            missing = set(ids) - set(letters.values_list("pk", flat=True))
            if missing:
                known = set(DeadLetter.objects.filter(pk__in=missing).values_list("pk", flat=True))
                raise CommandError(
                    "; ".join(
                        f"{pk}: already replayed" if pk in known else f"{pk}: no such dead letter"
                        for pk in sorted(missing)
                    )
                )
        self.stdout.write(f"replayed {operations.replay(list(letters))} dead letters")

    def purge(self, keep_days=None, **options):
        if keep_days is not None and keep_days < 0:
            raise CommandError("--keep-days cannot be negative.")
        events, receipts = operations.purge(keep_days)
        self.stdout.write(f"deleted {events} sent events and {receipts} receipts")
