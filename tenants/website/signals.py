"""Keep the cached site chrome (menu, name, colours) true: drop it when what it shows changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from tenants.profile.models import MunicipalProfile

from . import context
from .models import Branding


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def _page_changed(**kwargs):
    context.forget()


@receiver(post_delete)
def _page_deleted(sender, **kwargs):
    if issubclass(sender, Page):
        context.forget()


@receiver(post_save, sender=Branding)
@receiver(post_save, sender=MunicipalProfile)
def _identity_changed(**kwargs):
    context.forget()
