"""`hamaynk relay`: the events relay, its own process (hamaynk.events.relay)."""

from django.core.management.base import BaseCommand

from hamaynk.events.relay import Relay


class Command(BaseCommand):
    help = "Relays the outbox's events to the broker's exchange and to the internal consumers, until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--broker", help="AMQP URL (default: EVENTS_BROKER_URL)")

    def handle(self, *args, broker=None, **options):
        Relay.from_settings(broker, out=self.stdout).run()
