"""The CloudEvents 1.0 document a receiver gets (structured JSON mode)."""

import json

from django.conf import settings

from hamaynk.events.publisher import cloudevents_headers


def source(event):
    """The municipality's own host for its events; the platform's for the platform's."""
    host = f"{event.municipality_slug}.{settings.PLATFORM_DOMAIN}" if _municipal(event) else settings.PLATFORM_DOMAIN
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    return f"{settings.PLATFORM_SCHEME}://{host}{port}"


def _municipal(event):
    # Events written in a municipality's schema carry its slug and are not about the platform.
    return bool(event.municipality_slug) and not event.type.startswith("municipality.")


def cloudevent(event):
    """The attributes the AMQP exchange carries (same id, type and subject), with the source a
    receiver can tell municipalities apart by and `municipality`, an extension attribute."""
    attributes = {k.removeprefix("cloudEvents_"): v for k, v in cloudevents_headers(event, "").items()}
    attributes["source"] = source(event)
    if event.municipality_slug:
        attributes["municipality"] = event.municipality_slug
    attributes["data"] = event.payload
    return attributes


def body(event):
    return json.dumps(cloudevent(event), ensure_ascii=False, separators=(",", ":"))
