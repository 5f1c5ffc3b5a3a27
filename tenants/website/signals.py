"""Keep the cached site chrome (menu, name, colours) true: drop it when what it shows changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from hamaynk import events
from tenants.profile.models import MunicipalProfile

from . import context
from .models import Branding


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def _page_changed(**kwargs):
    context.forget()


@receiver(page_published)
def _record_publication(instance, revision=None, **kwargs):
    """The outbox's `page.published`, for consumers that follow the website (open data, search)."""
    from django.conf import settings
    from django.db import connection

    if connection.schema_name in ("public", settings.GOLDEN_SCHEMA_NAME):
        return  # no municipality's website: nobody to tell
    events.record(
        "page.published",
        ("wagtailcore.page", instance.pk),
        {
            "page_id": instance.pk,
            "revision_id": revision.pk if revision else None,
            "locale": instance.locale.language_code,
            "url_path": instance.url_path,
            "title": instance.title,
        },
    )


@receiver(post_delete)
def _page_deleted(sender, **kwargs):
    if issubclass(sender, Page):
        context.forget()


@receiver(post_save, sender=Branding)
@receiver(post_save, sender=MunicipalProfile)
def _identity_changed(**kwargs):
    context.forget()
