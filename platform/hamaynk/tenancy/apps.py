from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "hamaynk.tenancy"
    label = "tenancy"
    verbose_name = _("Municipalities")

    def ready(self):
        from . import signals  # noqa: F401  (host cache invalidation)
