from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "hamaynk.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self):
        # Every installed app may declare consumers in its `consumers` module.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("consumers")
