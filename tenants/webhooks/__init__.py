"""Webhooks: other systems (national registers, document flow, payment) subscribe an https URL
to event types and receive each event as a signed CloudEvents 1.0 JSON document
(docs/events.md, "Webhooks")."""
