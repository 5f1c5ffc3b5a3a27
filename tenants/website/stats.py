from wagtail.models import Page

from .models import NewsPage


def collect():
    return {"pages": Page.objects.live().filter(depth__gt=1).count(), "news": NewsPage.objects.live().count()}
