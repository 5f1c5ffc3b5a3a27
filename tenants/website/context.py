"""Every public page of a municipality wears the same chrome: its name, coat of arms, colours
and the menu of its website. They are read lazily (staff and console pages never pay for them)
and cached per municipality and language until an editor publishes, moves or deletes a page or
changes the branding (see signals.py)."""

from django.core.cache import cache
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from hamaynk.tenancy.models import Municipality

CHROME_SECONDS = 3600
CHROME_KEY = "website:chrome:{language}"


def website(request):
    if not isinstance(getattr(request, "tenant", None), Municipality):
        return {}
    return {"website": SimpleLazyObject(chrome)}


def chrome():
    language = translation.get_language()
    key = CHROME_KEY.format(language=language)
    found = cache.get(key)
    if found is None:
        found = _build()
        cache.set(key, found, CHROME_SECONDS)
    return found


def forget():
    cache.delete_many([CHROME_KEY.format(language=code) for code, _name in _languages()])


def _languages():
    from django.conf import settings

    return settings.LANGUAGES


def _build():
    from wagtail.models import Site

    from tenants.profile.models import MunicipalProfile

    from .models import Branding

    branding = Branding.load()
    profile = MunicipalProfile.objects.first()
    menu, home_url = [], "/"
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site:
        home = site.root_page.localized
        home_url = home.url or "/"
        menu = [{"title": page.title, "url": page.url} for page in home.get_children().live().in_menu()]
    return {
        "primary_colour": branding.primary_colour,
        "accent_colour": branding.accent_colour,
        "name": profile.name if profile else "",
        "has_coat_of_arms": bool(profile and profile.coat_of_arms),
        "address": profile.address if profile else "",
        "address_language": profile.language_of("address") if profile else "",
        "phone": profile.phone if profile else "",
        "email": profile.email if profile else "",
        "home_url": home_url,
        "menu": menu,
    }
