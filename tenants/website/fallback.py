"""Armenian first: what a visitor reading English or Russian sees of pages nobody has translated
yet, and what the editors still have to translate.

Lists (the news, the home page's latest news) show the visitor's language's pages and, for every
Armenian page without a live translation in that language, the Armenian page itself, marked as
Armenian with a notice. A single page works the same way (views.serve). Editors find what is
missing in the admin's "Needs translation" report."""

from django.conf import settings
from django.db.models import Q
from wagtail.models import Locale, Page


def default_locale():
    return Locale.objects.get(language_code=settings.LANGUAGE_CODE)


def live_with_fallback(model, root, *, children_only=False):
    """Live pages of `model` under `root` (its children, or all its descendants), together with
    the live pages under `root`'s Armenian original that have no live translation in `root`'s
    language. A queryset of `model`, for the caller to order and slice."""

    def under(page):
        pages = model.objects.live()
        return pages.child_of(page) if children_only else pages.descendant_of(page)

    own = under(root)
    source_locale = default_locale()
    if root.locale_id == source_locale.id:
        return own
    source = root.get_translation_or_none(source_locale)
    if source is None:
        return own
    translated = Page.objects.live().filter(locale_id=root.locale_id).values("translation_key")
    missing = under(source).exclude(translation_key__in=translated)
    return model.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=missing.values("pk")))


def needs_translation():
    """Armenian pages (under a site's home, live) that lack a live translation in English or
    Russian: a list of (page, [locales missing]), in tree order."""
    source_locale = default_locale()
    others = list(Locale.objects.exclude(pk=source_locale.pk).order_by("language_code"))
    live = {}
    for locale_id, key in Page.objects.live().exclude(locale=source_locale).values_list("locale_id", "translation_key"):
        live.setdefault(key, set()).add(locale_id)
    rows = []
    for page in Page.objects.live().filter(locale=source_locale, depth__gt=1).order_by("path").specific():
        missing = [locale for locale in others if locale.pk not in live.get(page.translation_key, set())]
        if missing:
            rows.append((page, missing))
    return rows
