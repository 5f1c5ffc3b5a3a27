from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfileConfig(AppConfig):
    name = "tenants.profile"
    label = "municipal_profile"
    verbose_name = _("Municipality profile")
