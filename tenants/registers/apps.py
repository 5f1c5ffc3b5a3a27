from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "tenants.registers"
    label = "registers"
    verbose_name = _("Registers")
