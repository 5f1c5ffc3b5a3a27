from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "hamaynk.tenancy"
    label = "tenancy"
    verbose_name = _("Municipalities")

    def ready(self):
        from django.db.models.signals import pre_save

        from hamaynk.inputs import check_model_values

        from . import signals  # noqa: F401  (host cache invalidation)

        # Every model's text is checked against its columns before it is saved.
        pre_save.connect(check_model_values, dispatch_uid="hamaynk-check-model-values")
