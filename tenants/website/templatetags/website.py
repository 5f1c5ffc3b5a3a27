from django import template
from wagtail.models import Page

register = template.Library()


@register.simple_tag(takes_context=True)
def translation_url(context, language):
    """Where the language switcher leads for `language`: the live translation of the page shown,
    which may have a slug of its own, else the same address (shown in Armenian if need be).
    The page's translations are read once per request, for all the switcher's buttons."""
    request = context["request"]
    page = context.get("page")
    if not isinstance(page, Page):
        return request.get_full_path()
    found = getattr(request, "_website_translations", None)
    if found is None or found[0] != page.pk:
        urls = {
            p.locale.language_code: p.get_url(request)
            for p in page.get_translations(inclusive=True).live().select_related("locale")
        }
        found = request._website_translations = (page.pk, urls)
    return found[1].get(language) or request.get_full_path()
