"""The municipality's website: Wagtail page types and the branding setting.

Every page type draws on what the municipality already keeps — the catalogue, the public
council-decisions register, the budget, the residents register and the case figures — so the
editors write the words around the data and never copy the data itself."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from .colours import validate_brand_colour

DECISIONS_PER_PAGE = 20
NEWS_PER_PAGE = 10


@register_setting(icon="pick")
class Branding(BaseGenericSetting):
    """Colours of the site; the name and the coat of arms come from the municipality's profile."""

    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        default="#1f4e79",
        validators=[validate_brand_colour],
        help_text=_("Header, buttons and links. White text must stay readable on it."),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#8a4b00",
        validators=[validate_brand_colour],
        help_text=_("Highlights, such as the “apply online” buttons."),
    )

    panels = [FieldPanel("primary_colour"), FieldPanel("accent_colour")]

    class Meta:
        verbose_name = _("branding")


class SitePage(Page):
    """A page with an introduction the editors write above what the page shows."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link", "ol", "ul"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        abstract = True


class HomePage(SitePage):
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from . import showcase

        context = super().get_context(request, *args, **kwargs)
        context.update(showcase.home(self))
        return context


class NewsIndexPage(SitePage):
    subpage_types = ["website.NewsPage"]

    class Meta:
        verbose_name = _("news and announcements")

    def get_context(self, request, *args, **kwargs):
        from .fallback import live_with_fallback

        context = super().get_context(request, *args, **kwargs)
        # Armenian news nobody has translated yet are listed too, marked as Armenian.
        items = live_with_fallback(NewsPage, self, children_only=True).order_by("-date", "-id")
        kind = request.GET.get("kind")
        if kind in NewsPage.Kind.values:
            items = items.filter(kind=kind)
        context["kind"] = kind if kind in NewsPage.Kind.values else ""
        context["kinds"] = NewsPage.Kind.choices
        context["items"] = Paginator(items, NEWS_PER_PAGE).get_page(request.GET.get("page"))
        return context


class NewsPage(Page):
    class Kind(models.TextChoices):
        NEWS = "news", _("News")
        ANNOUNCEMENT = "announcement", _("Announcement")

    date = models.DateField(_("date"), default=timezone.localdate)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    summary = models.TextField(
        _("summary"), max_length=400, blank=True, help_text=_("One or two sentences shown in lists.")
    )
    body = RichTextField(_("text"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("image"),
    )

    parent_page_types = ["website.NewsIndexPage"]
    subpage_types = []
    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]

    class Meta:
        verbose_name = _("news item")


class DecisionsPage(RoutablePageMixin, SitePage):
    """The council's decisions, read from the public register: the secretary records a decision
    once and the site lists it as soon as it is marked published."""

    register_code = models.SlugField(
        _("register"), default="council_decisions", help_text=_("Code of the public register the decisions come from.")
    )
    content_panels = SitePage.content_panels + [FieldPanel("register_code")]
    subpage_types = []

    class Meta:
        verbose_name = _("council decisions")

    def register(self):
        from tenants.registers.models import Register

        return Register.objects.filter(code=self.register_code, is_public=True).first()

    @path("")
    def decision_list(self, request):
        from . import decisions

        register = self.register()
        text = request.GET.get("q", "").strip()[:200]
        found = decisions.search(register, text)
        page = Paginator(found, DECISIONS_PER_PAGE).get_page(request.GET.get("page"))
        return self.render(
            request,
            context_overrides={
                "register": register,
                "q": text,
                "results": page,
                "records_language": settings.LANGUAGE_CODE,
                "rows": decisions.rows(register, page),
            },
        )

    @re_path(r"^(?P<record_uuid>[0-9a-f-]{36})/$")
    def decision_detail(self, request, record_uuid):
        from tenants.registers.public import public_values

        from . import decisions

        register = self.register()
        record = decisions.get(register, record_uuid)
        if record is None:
            raise Http404
        return self.render(
            request,
            template="website/decision_page.html",
            context_overrides={
                "register": register,
                "record": record,
                "values": public_values(register, record),
                "title": register.record_title(record.data),
                "records_language": settings.LANGUAGE_CODE,
            },
        )


class BudgetPage(SitePage):
    subpage_types = []

    class Meta:
        verbose_name = _("budget")

    def get_context(self, request, *args, **kwargs):
        from tenants.budget import services as budget

        context = super().get_context(request, *args, **kwargs)
        years = budget.years()
        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = None
        if year not in years:
            year = years[0] if years else None
        summary = budget.summary(year) if year else None
        context.update(years=years, year=year, summary=summary)
        return context


class StatisticsPage(SitePage):
    subpage_types = []

    class Meta:
        verbose_name = _("statistics")

    def get_context(self, request, *args, **kwargs):
        from . import statistics

        context = super().get_context(request, *args, **kwargs)
        context["population"] = statistics.population()
        context["services"] = statistics.services()
        context["services_chart"] = statistics.services_chart(context["services"])
        return context


class ServicesPage(SitePage):
    """The service catalogue; each service's own page is the catalogue's (services/<code>/)."""

    subpage_types = []

    class Meta:
        verbose_name = _("services")

    def get_context(self, request, *args, **kwargs):
        from tenants.catalogue.models import Service

        context = super().get_context(request, *args, **kwargs)
        context["services"] = Service.objects.filter(is_active=True).select_related("department")
        return context


class ContactsPage(SitePage):
    subpage_types = []

    class Meta:
        verbose_name = _("contacts and opening hours")

    def get_context(self, request, *args, **kwargs):
        from tenants.profile.models import Department, MunicipalProfile, Settlement, WorkingHours

        context = super().get_context(request, *args, **kwargs)
        profile = MunicipalProfile.objects.first()
        context.update(
            profile=profile,
            # Shown in Armenian, marked as such, while the profile has no text in this language.
            reception_language=profile.language_of("reception") if profile else "",
            hours=WorkingHours.objects.all(),
            departments=Department.objects.all(),
            settlements=Settlement.objects.all(),
        )
        return context


class OpenDataPage(SitePage):
    subpage_types = []

    class Meta:
        verbose_name = _("open data")

    def get_context(self, request, *args, **kwargs):
        from . import opendata

        context = super().get_context(request, *args, **kwargs)
        context["datasets"] = opendata.datasets()
        return context


class StandardPage(Page):
    body = RichTextField(_("text"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body")]

    class Meta:
        verbose_name = _("page")
