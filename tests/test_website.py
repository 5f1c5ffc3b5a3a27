"""The municipal website: the page tree provisioning builds, the pages in three languages, the
visible fallback to Armenian, decisions from the public register, open data, branding, the
editors' roles and moderation, and isolation between municipalities."""

import io
import json

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.utils import translation
from django_tenants.utils import schema_context
from PIL import Image as PILImage

from tests.conftest import provision_ok
from tests.registers_helpers import resident, signed_in
from tests.test_background import s3_server  # noqa: F401 (a fixture)

MAIN_PAGES = ["/", "/services/", "/news/", "/decisions/", "/budget/", "/statistics/", "/open-data/", "/contacts/"]


@pytest.fixture(scope="module")
def town():
    return provision_ok()


def _decision(number, title, published=True, **extra):
    from tenants.registers import services

    data = {
        "number": number,
        "date": "2026-03-14",
        "title": title,
        "status": "adopted",
        "published": published,
        "votes_for": 11,
        "votes_against": 2,
        "votes_abstained": 1,
        **extra,
    }
    return services.create(services.get_register("council_decisions"), data, actor="test")


def test_provisioning_builds_the_page_tree_in_three_languages(town):
    from wagtail.models import Locale, Page, Site

    from tenants.website.models import HomePage

    with schema_context(town.schema_name):
        assert sorted(Locale.objects.values_list("language_code", flat=True)) == ["en", "hy", "ru"]
        site = Site.objects.get(is_default_site=True)
        home = site.root_page.specific
        assert isinstance(home, HomePage) and home.locale.language_code == "hy"
        assert home.title == town.name_hy
        children = {p.slug: p for p in home.get_children().live()}
        assert set(children) == {"services", "news", "decisions", "budget", "statistics", "open-data", "contacts"}
        assert all(p.show_in_menus for p in children.values())
        for language in ("en", "ru"):
            translated = home.get_translation(Locale.objects.get(language_code=language))
            assert translated.title == getattr(town, f"name_{language}")
            assert {p.slug for p in translated.get_children().live()} == set(children)
            news = children["news"].get_translation(Locale.objects.get(language_code=language))
            assert news.get_children().live().count() == 1
        # Wagtail's welcome page is gone; three homes under the root.
        assert Page.objects.filter(depth=2).count() == 3
        # The tree was written in bulk: treebeard finds nothing wrong with it (paths, depths,
        # child counts), URLs resolve, and the admin's search index holds the pages.
        assert all(not problem for problem in Page.find_problems())
        assert children["budget"].url == "/budget/"
        assert Page.objects.live().search("Բյուջե").count() >= 1
        assert Page.objects.live().search("Budget").count() >= 1


def test_the_main_pages_render_in_every_language(client_for, town):
    client = client_for(town.primary_host)
    titles = {"hy": "Ավագանու որոշումներ", "en": "Council decisions", "ru": "Решения совета"}
    for language, title in titles.items():
        for path in MAIN_PAGES:
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, (path, language)
            html = response.content.decode()
            assert f'<html lang="{language}">' in html
            assert title in html  # the menu, in the page's language
            assert 'id="fallback-notice"' not in html
        home = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert getattr(town, f"name_{language}") in home


def test_a_page_without_a_translation_falls_back_to_armenian_with_a_notice(client_for, town):
    from tenants.website.models import HomePage, StandardPage

    with schema_context(town.schema_name):
        home = HomePage.objects.get(locale__language_code="hy")
        home.add_child(
            instance=StandardPage(
                title="Համայնքի պատմություն", slug="history", body="<p>Հիմնադրվել է 1830 թվականին։</p>"
            )
        )
    client = client_for(town.primary_host)
    armenian = client.get("/history/", HTTP_ACCEPT_LANGUAGE="hy").content.decode()
    assert "Հիմնադրվել է" in armenian and 'id="fallback-notice"' not in armenian
    for language, notice in (("en", "Armenian"), ("ru", "Армянский")):
        response = client.get("/history/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Հիմնադրվել է" in html and 'id="fallback-notice"' in html and notice in html
        assert '<div lang="hy">' in html  # screen readers switch to Armenian for the content
        assert f'<html lang="{language}">' in html
    # A path nobody has is still a 404 in every language.
    assert client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").status_code == 404


def test_council_decisions_come_from_the_public_register(client_for, town):
    with schema_context(town.schema_name):
        adopted = _decision("17-Ն", "Համայնքի 2027 թվականի բյուջեն հաստատելու մասին", text="Հաստատել բյուջեն։")
        _decision("18-Ն", "Ոռոգման ջրի սակագնի մասին")
        draft = _decision("19-Ն", "Չհրապարակված նախագիծ", published=False)
    client = client_for(town.primary_host)
    listing = client.get("/decisions/").content.decode()
    assert "17-Ն" in listing and "18-Ն" in listing and "Չհրապարակված" not in listing
    found = client.get("/decisions/", {"q": "բյուջե"}).content.decode()
    assert "17-Ն" in found and "18-Ն" not in found
    assert "No decision matches" not in found
    detail = client.get(f"/decisions/{adopted.uuid}/")
    assert detail.status_code == 200
    assert "Հաստատել բյուջեն։" in detail.content.decode() and "11" in detail.content.decode()
    assert client.get(f"/decisions/{draft.uuid}/").status_code == 404
    exported = json.loads(client.get("/open-data/decisions.json").content)
    assert {r["number"] for r in exported["records"]} >= {"17-Ն", "18-Ն"}
    assert "19-Ն" not in {r["number"] for r in exported["records"]}


def test_statistics_are_aggregates_from_the_registers_and_the_cases(client_for, town):
    from tenants.registers import services

    with schema_context(town.schema_name):
        register = services.get_register("residents")
        for n in range(5):
            services.create(register, resident(900 + n), actor="test")
        services.create(
            register,
            resident(910, address={"settlement": "Գյուղ", "street": "Այգեստան", "building": "4", "apartment": ""}),
            actor="test",
        )
        services.create(register, resident(911, status="moved_out"), actor="test")
    client = client_for(town.primary_host)
    population = json.loads(client.get("/open-data/population.json").content)
    assert population["total"] == 6
    assert population["records"] == [{"settlement": "Կենտրոն", "residents": 5}, {"settlement": "Գյուղ", "residents": 1}]
    page = client.get("/statistics/").content.decode()
    assert "Կենտրոն" in page and "1000000900" not in page and "Պետրոսյան" not in page
    csv_text = client.get("/open-data/population.csv").content.decode()
    assert csv_text.splitlines()[0] == "settlement,residents"


def test_open_data_page_lists_every_dataset_at_stable_urls(client_for, town):
    client = client_for(town.primary_host)
    html = client.get("/open-data/").content.decode()
    for code in ("decisions", "budget", "population", "services"):
        for fmt in ("csv", "json"):
            assert f'href="/open-data/{code}.{fmt}"' in html
            response = client.get(f"/open-data/{code}.{fmt}")
            assert response.status_code == 200, (code, fmt)
            assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get("/open-data/residents.json").status_code == 404
    assert client.get("/open-data/population.xml").status_code == 404


def test_brand_colours_must_keep_white_text_readable(client_for, town):
    from tenants.website.models import Branding

    with schema_context(town.schema_name):
        branding = Branding.load()
        branding.primary_colour = "#f0e060"
        with pytest.raises(ValidationError) as error:
            branding.full_clean()
        assert "4.5:1" in " ".join(error.value.messages)
        branding.primary_colour = "#7a1f2b"
        branding.full_clean()
        branding.save()
    html = client_for(town.primary_host).get("/").content.decode()
    assert "--brand: #7a1f2b" in html


def test_editors_and_authors_reach_the_cms_and_others_do_not(client_for, town):
    editor = signed_in(client_for, town, "editor@site.test", "editor")
    assert editor.get("/cms/").status_code == 200
    # Editors translate pages: Wagtail's "Translate" form opens for them.
    from tenants.website.models import ContactsPage

    with schema_context(town.schema_name):
        contacts = ContactsPage.objects.get(locale__language_code="hy")
    assert editor.get(f"/cms/translation/submit/page/{contacts.id}/").status_code == 200
    author = signed_in(client_for, town, "author@site.test", "author")
    assert author.get("/cms/").status_code == 200
    operator = signed_in(client_for, town, "operator@site.test", "front_office")
    response = operator.get("/cms/")
    assert response.status_code in (302, 403)
    anonymous = client_for(town.primary_host).get("/cms/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/staff/login/")


def test_an_author_drafts_and_an_editor_approves_and_publishes(client_for, town):
    from django.contrib.auth import get_user_model
    from wagtail.models import Page

    from tenants.website.models import NewsIndexPage, NewsPage

    signed_in(client_for, town, "writer@site.test", "author")
    signed_in(client_for, town, "chief@site.test", "editor")
    with schema_context(town.schema_name):
        users = get_user_model().objects
        author, editor = users.get(username="writer@site.test"), users.get(username="chief@site.test")
        news = NewsIndexPage.objects.get(locale__language_code="hy")
        assert news.permissions_for_user(author).can_add_subpage()
        assert not news.permissions_for_user(author).can_publish_subpage()
        draft = NewsPage(
            title="Ջրամատակարարման ժամանակավոր դադար", slug="water", summary="Հինգշաբթի՝ 10:00–14:00։", live=False
        )
        news.add_child(instance=draft)
        revision = draft.save_revision(user=author)
        workflow = draft.get_workflow()
        assert workflow is not None
        workflow.start(draft, author)
    client = client_for(town.primary_host)
    assert client.get("/news/water/").status_code == 404  # submitted, not yet public
    with schema_context(town.schema_name):
        draft = Page.objects.get(id=draft.id).specific
        task_state = draft.current_workflow_task_state
        task = task_state.task.specific
        assert [action[0] for action in task.get_actions(draft, author)] == []  # authors cannot approve
        assert "approve" in [action[0] for action in task.get_actions(draft, editor)]
        task.on_action(task_state, editor, "approve")
        draft.refresh_from_db()
        assert draft.live and draft.live_revision_id >= revision.id
    assert "Ջրամատակարարման" in client.get("/news/water/").content.decode()
    assert "Ջրամատակարարման" in client.get("/news/").content.decode()


def test_isolation_pages_images_documents_and_cache_keys(client_for, alpha, beta):
    from wagtail.documents.models import Document
    from wagtail.images.models import Image

    from tenants.website.models import HomePage, StandardPage

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "#1f4e79").save(buffer, "PNG")
    with schema_context(alpha.schema_name):
        home = HomePage.objects.get(locale__language_code="hy")
        home.add_child(instance=StandardPage(title="Ալֆայի գաղտնիք", slug="alpha-only", body="<p>alpha</p>"))
        image = Image.objects.create(title="Զինանշան", file=ImageFile(io.BytesIO(buffer.getvalue()), name="emblem.png"))
        image_url = image.get_rendition("width-20").url
        original_url = image.file.url
        document = Document.objects.create(
            title="Որոշում", file=ImageFile(io.BytesIO(b"%PDF-1.4 alpha"), name="decision.pdf")
        )
        document_url = document.url
    alpha_client, beta_client = client_for(alpha.primary_host), client_for(beta.primary_host)
    assert str(alpha.uuid) in original_url
    for url in (image_url, original_url):
        response = alpha_client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert beta_client.get(url).status_code == 404
    assert alpha_client.get(document_url).status_code == 200
    beta_document = beta_client.get(document_url)
    assert beta_document.status_code == 404
    assert alpha_client.get("/alpha-only/").status_code == 200
    assert beta_client.get("/alpha-only/").status_code == 404
    # Private files under the same prefix are not public images.
    assert alpha_client.get(f"/media/municipalities/{alpha.uuid}/cases/x.pdf").status_code == 404
    # Wagtail's own cache entries (site root paths) carry the municipality.
    keys = {}
    for municipality in (alpha, beta):
        with schema_context(municipality.schema_name):
            keys[municipality.slug] = cache.make_key("wagtail_site_root_paths")
            assert str(municipality.uuid) in keys[municipality.slug]
    assert keys["alpha"] != keys["beta"]
    # Each host's menu and home are its own, even with both cached.
    for _ in range(2):
        assert alpha.name_hy in alpha_client.get("/").content.decode()
        beta_home = beta_client.get("/").content.decode()
        assert beta.name_hy in beta_home and alpha.name_hy not in beta_home


def test_template_check_refuses_a_broken_page_tree():
    from provisioning.template_format import load_named_template
    from tenants.website import section

    sections = load_named_template("armenia-community").sections
    data = json.loads(json.dumps(sections["website"]))
    data["home"]["children"].append(dict(data["home"]["children"][0]))
    data["permissions"][0]["role"] = "janitor"
    data["branding"]["primary_colour"] = "#ffff00"
    with translation.override("en"):
        problems = dict(section.check(data, sections))
    assert "duplicate slug 'services'" in problems["home.children[7].slug"]
    assert "unknown role 'janitor'" in problems["permissions[0].role"]
    assert "4.5:1" in problems["branding.primary_colour"]


def test_images_and_documents_go_to_the_municipality_prefix_on_s3(alpha, beta, s3_server, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from wagtail.documents.models import Document
    from wagtail.images.models import Image

    endpoint, client = s3_server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "hamaynk.tenancy.storage.MunicipalS3Storage",
            "OPTIONS": {
                "bucket_name": "hamaynk-test",
                "endpoint_url": endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
            },
        },
    }
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), "#7a1f2b").save(buffer, "PNG")
    with schema_context(alpha.schema_name):
        image = Image.objects.create(
            title="Քաղաքապետարան", file=ImageFile(io.BytesIO(buffer.getvalue()), name="hall.png")
        )
        rendition = image.get_rendition("fill-32x24")
        document = Document.objects.create(
            title="Հաշվետվություն", file=ContentFile(b"%PDF-1.4 report", name="report.pdf")
        )
        assert "Signature" in image.file.url and f"municipalities/{alpha.uuid}/" in rendition.url
        names = [image.file.name, rendition.file.name, document.file.name]
    keys = {o["Key"] for o in client.list_objects_v2(Bucket="hamaynk-test")["Contents"]}
    for name in names:
        assert f"municipalities/{alpha.uuid}/{name}" in keys
    with schema_context(beta.schema_name):
        assert not any(default_storage.exists(name) for name in names)


def test_the_language_switcher_follows_a_translation_with_its_own_slug(client_for, town):
    from wagtail.models import Locale

    from tenants.website.models import HomePage, StandardPage

    with schema_context(town.schema_name):
        armenian = HomePage.objects.get(locale__language_code="hy").add_child(
            instance=StandardPage(title="Զբոսաշրջություն", slug="zbosashrjutyun", body="<p>Սարեր։</p>")
        )
        english_home = HomePage.objects.get(locale__language_code="en")
        english = english_home.add_child(
            instance=StandardPage(
                title="Tourism",
                slug="tourism",
                body="<p>Mountains.</p>",
                translation_key=armenian.translation_key,
                locale=Locale.objects.get(language_code="en"),
            )
        )
    client = client_for(town.primary_host)
    html = client.get("/zbosashrjutyun/").content.decode()
    assert 'name="next" value="/tourism/"' in html  # the English button leads to the English page
    assert client.get("/tourism/", HTTP_ACCEPT_LANGUAGE="en").content.decode().count("Mountains.") == 1
    # Russian has no translation: its button keeps the address, which shows Armenian with a notice.
    assert 'name="next" value="/zbosashrjutyun/"' in html
    assert english.url == "/tourism/"


def test_untranslated_news_are_listed_in_armenian_with_a_notice(client_for, town):
    from wagtail.models import Locale

    from tenants.website.models import NewsIndexPage, NewsPage

    with schema_context(town.schema_name):
        news = NewsIndexPage.objects.get(locale__language_code="hy")
        item = news.add_child(
            instance=NewsPage(title="Ծառատունկ այգում", slug="tree-planting", summary="Շաբաթ օրը՝ 10:00-ին։")
        )
    client = client_for(town.primary_host)
    armenian = client.get("/news/", HTTP_ACCEPT_LANGUAGE="hy").content.decode()
    assert "Ծառատունկ այգում" in armenian and "data-fallback" not in armenian
    for language, notice in (("en", "Not translated yet"), ("ru", "Ещё не переведено")):
        for path in ("/news/", "/"):
            html = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            assert "Ծառատունկ այգում" in html, (language, path)
            assert notice in html and '<div lang="hy">' in html
        # Its own page opens in Armenian, with the page's notice.
        page = client.get("/news/tree-planting/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "Ծառատունկ այգում" in page and 'id="fallback-notice"' in page
    # Once translated and published, English readers get the translation instead.
    with schema_context(town.schema_name):
        english = item.copy_for_translation(Locale.objects.get(language_code="en"))
        english.title = "Tree planting in the park"
        english.save_revision().publish()
    cache.clear()
    html = client.get("/news/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tree planting in the park" in html and "Ծառատունկ այգում" not in html
    assert "Ծառատունկ այգում" in client.get("/news/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()


def test_editors_see_what_needs_translation(client_for, town):
    from tenants.website.models import HomePage, StandardPage

    with schema_context(town.schema_name):
        home = HomePage.objects.get(locale__language_code="hy")
        page = home.add_child(instance=StandardPage(title="Տեսարժան վայրեր", slug="sights", body="<p>Ա</p>"))
    editor = signed_in(client_for, town, "translator@site.test", "editor")
    response = editor.get("/cms/reports/needs-translation/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    rows = {listed.pk: [locale.language_code for locale in locales] for listed, locales in response.context["rows"]}
    assert rows[page.pk] == ["en", "ru"]
    assert f'href="/cms/translation/submit/page/{page.pk}/"' in response.content.decode()
    # The pages provisioning built are translated: they are not listed.
    with schema_context(town.schema_name):
        built = home.get_children().live().filter(slug__in=["services", "news", "decisions", "budget", "contacts"])
        assert home.pk not in rows and not set(rows) & set(built.values_list("pk", flat=True))
    assert "Needs translation" in editor.get("/cms/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # Not reachable without the admin.
    outsider = signed_in(client_for, town, "clerk@site.test", "front_office")
    assert outsider.get("/cms/reports/needs-translation/").status_code in (302, 403)


def test_needs_translation_lists_only_the_municipalitys_own_pages(client_for, alpha, beta):
    from tenants.website.models import HomePage, StandardPage

    with schema_context(beta.schema_name):
        home = HomePage.objects.get(locale__language_code="hy")
        if not home.get_children().filter(slug="beta-only").exists():
            home.add_child(instance=StandardPage(title="Միայն բետա", slug="beta-only"))
    editor = signed_in(client_for, alpha, "translator@alpha.test", "editor")
    html = editor.get("/cms/reports/needs-translation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Միայն բետա" not in html and "beta-only" not in html


def test_the_address_is_given_in_each_language_and_marked_when_it_falls_back():
    from django.test import Client

    town = provision_ok(
        address={"hy": "Կենտրոնական հրապարակ 1", "en": "1 Central Square", "ru": "Центральная площадь, 1"}
    )
    armenian_only = provision_ok(address="Շահումյան 5")
    client = Client(HTTP_HOST=town.primary_host)
    assert "1 Central Square" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Центральная площадь, 1" in client.get("/contacts/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Կենտրոնական հրապարակ 1" in client.get("/", HTTP_ACCEPT_LANGUAGE="hy").content.decode()
    # Only the Armenian one (the older format, a plain string): English readers see it, marked as Armenian.
    html = Client(HTTP_HOST=armenian_only.primary_host).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span lang="hy">Շահումյան 5</span>' in html


def test_decisions_say_they_are_published_in_armenian(client_for, town):
    with schema_context(town.schema_name):
        decision = _decision("31-Ն", "Աղբահանության վճարի մասին")
    client = client_for(town.primary_host)
    for path in ("/decisions/", f"/decisions/{decision.uuid}/"):
        english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'id="records-language-notice"' in english and "published in Armenian only" in english
        assert '<td lang="hy">' in english or '<h1 lang="hy">' in english
        armenian = client.get(path, HTTP_ACCEPT_LANGUAGE="hy").content.decode()
        assert 'id="records-language-notice"' not in armenian
