from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Subscriptions live beside the events they follow: a municipality's in its own schema, the
    ministry's (for every municipality, or one region) in the public schema."""

    name = "tenants.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")
