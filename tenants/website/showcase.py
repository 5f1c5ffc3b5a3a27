"""What the home page shows besides the editors' text: the latest news, the services people ask
for most, and a few key figures. The figures are aggregates over whole registers, so they are
cached for a few minutes (the cache key carries the municipality, see hamaynk.tenancy.cache)."""

from django.core.cache import cache

from tenants.catalogue.models import Service

from . import statistics

FIGURES_SECONDS = 600
HOME_NEWS = 3
HOME_SERVICES = 6


def home(page):
    from .fallback import live_with_fallback
    from .models import NewsPage, ServicesPage

    return {
        "services_page": ServicesPage.objects.live().child_of(page).first(),
        "news": live_with_fallback(NewsPage, page).order_by("-date", "-id")[:HOME_NEWS],
        "services": Service.objects.filter(is_active=True, online=True).order_by("position", "code")[:HOME_SERVICES],
        "figures": key_figures(),
    }


def key_figures():
    key = "website:figures"
    figures = cache.get(key)
    if figures is None:
        services = statistics.services()
        total = services["total"]
        figures = {
            "population": statistics.population()["total"],
            "applications": total.applications if total else 0,
            "median_days": total.median_days if total else None,
            "online_share": total.online_share if total else None,
        }
        cache.set(key, figures, FIGURES_SECONDS)
    return figures
