"""Error reports to Sentry, when SENTRY_DSN is set (settings.py calls `init`).

Every event is tagged with the municipality's uuid (never its name, which would put 1,500
values into Sentry's tag index and identify a municipality to anyone reading a report), or
'platform'. Nothing personal leaves the platform: no default PII (users, addresses, cookies),
no request bodies (applications carry names and identity numbers), no local variables of the
stack frames (they hold the same).
"""

import sentry_sdk


def tag_municipality(event, hint=None):
    from hamaynk.tenancy.current import municipality_identity

    try:
        identity = municipality_identity(query=False)  # an error report never queries the database
    except Exception:
        identity = None
    event.setdefault("tags", {})["municipality"] = str(identity[0]) if identity else "platform"
    event.pop("user", None)
    return event


def init(dsn, environment=None, release=None, traces_sample_rate=0.0, transport=None):
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    options = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=tag_municipality,
        before_send_transaction=tag_municipality,
        **options,
    )
