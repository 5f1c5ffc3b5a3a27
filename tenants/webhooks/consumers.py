"""The events consumer that turns events into webhook deliveries."""

from hamaynk.events.registry import Consumer, register

from . import catalogue, deliveries


class WebhooksConsumer(Consumer):
    """Takes every event a subscription may choose; makes one delivery per subscription that
    wants it (the municipality's own and the ministry's), at most once per (subscription, event)."""

    name = "webhooks"
    event_types = frozenset(catalogue.ALL)

    def handle(self, event):
        deliveries.fan_out(event)


register(WebhooksConsumer())
