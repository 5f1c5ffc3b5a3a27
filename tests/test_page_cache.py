"""The anonymous page cache (hamaynk.pagecache): a second request is answered from the cache
without SQL, every change a page shows makes it stale at once, signed-in people and pages that
set cookies stay out, nonces and CSRF tokens are never shared, and no municipality's page is
ever served on another's host (local memory and Redis)."""

import re
import uuid

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tests import services
from tests.conftest import provision_ok
from tests.registers_helpers import signed_in

NONCE = re.compile(r'<style nonce="([^"]+)">')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


@pytest.fixture(scope="module")
def town():
    return provision_ok()


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


def anonymous(municipality):
    return Client(HTTP_HOST=municipality.primary_host)


def get(client, path="/", **extra):
    extra.setdefault("HTTP_ACCEPT_LANGUAGE", "hy")
    return client.get(path, **extra)


def test_the_second_request_is_served_from_the_cache_without_sql(town, page_cache):
    first = get(anonymous(town))
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = get(anonymous(town))
    assert second.status_code == 200 and second["X-Page-Cache"] == "hit"
    assert len(queries.captured_queries) == 0, [q["sql"] for q in queries.captured_queries]
    assert town.name_hy in second.content.decode()
    assert second["Content-Language"] == "hy" and "Accept-Language" in second["Vary"]
    # The same body but for the response's own nonce and CSRF token.
    normalise = [(NONCE, "nonce"), (TOKEN, "token")]
    bodies = []
    for response in (first, second):
        html = response.content.decode()
        for pattern, name in normalise:
            html = pattern.sub(name, html)
        bodies.append(html)
    assert bodies[0] == bodies[1]
    assert int(second["Content-Length"]) == len(second.content)
    # Other languages and query strings are other entries.
    assert get(anonymous(town), HTTP_ACCEPT_LANGUAGE="en")["X-Page-Cache"] == "miss"
    assert get(anonymous(town), "/?page=2")["X-Page-Cache"] == "miss"
    english = get(anonymous(town), HTTP_ACCEPT_LANGUAGE="en")
    assert english["X-Page-Cache"] == "hit" and town.name_en in english.content.decode()
    # The language cookie counts as the language, like the header.
    by_cookie = anonymous(town)
    by_cookie.cookies["django_language"] = "ru"
    russian = get(by_cookie)
    assert russian["X-Page-Cache"] == "miss" and '<html lang="ru">' in russian.content.decode()


def test_each_response_has_its_own_nonce_in_header_and_body(town, page_cache):
    seen = set()
    for _ in range(3):
        response = get(anonymous(town), "/contacts/")
        nonce = NONCE.search(response.content.decode()).group(1)
        policy = response["Content-Security-Policy"]
        assert f"'nonce-{nonce}'" in policy
        seen.add(nonce)
    assert response["X-Page-Cache"] == "hit" and len(seen) == 3


def test_each_visitor_gets_a_csrf_token_of_its_own_cookie(town, page_cache):
    get(anonymous(town), "/news/")
    tokens = []
    for _ in range(2):
        visitor_csrf = Client(HTTP_HOST=town.primary_host, enforce_csrf_checks=True)
        response = get(visitor_csrf, "/news/")
        assert response["X-Page-Cache"] == "hit"
        token = TOKEN.search(response.content.decode()).group(1)
        assert "csrftoken" in response.cookies  # set for a visitor who had none, as a fresh page does
        tokens.append(token)
        # The token on the cached page works with the cookie it came with: the language switch.
        switched = visitor_csrf.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
        assert switched.status_code == 302, switched.content[:300]
    assert tokens[0] != tokens[1]
    # A visitor who already has a CSRF cookie gets a token of that cookie, and the cookie renewed.
    returning = Client(HTTP_HOST=town.primary_host, enforce_csrf_checks=True)
    returning.cookies["csrftoken"] = "a" * 32
    response = get(returning, "/news/")
    assert response["X-Page-Cache"] == "hit" and response.cookies["csrftoken"].value == "a" * 32
    token = TOKEN.search(response.content.decode()).group(1)
    switched = returning.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302


def test_publishing_unpublishing_and_deleting_a_page_show_at_once(town, page_cache):
    from tenants.website.models import NewsIndexPage, NewsPage

    client = anonymous(town)
    get(client, "/news/")
    assert get(client, "/news/")["X-Page-Cache"] == "hit"
    with schema_context(town.schema_name):
        index = NewsIndexPage.objects.get(locale__language_code="hy")
        item = index.add_child(instance=NewsPage(title="Ջրամատակարարման ժամանակացույց", slug="water", live=False))
        item.save_revision().publish()
    assert "Ջրամատակարարման ժամանակացույց" in get(client, "/news/").content.decode()
    assert get(client, "/news/")["X-Page-Cache"] == "hit"
    with schema_context(town.schema_name):
        NewsPage.objects.get(pk=item.pk).unpublish()
    assert "Ջրամատակարարման ժամանակացույց" not in get(client, "/news/").content.decode()
    with schema_context(town.schema_name):
        item = NewsPage.objects.get(pk=item.pk)
        item.save_revision().publish()
    assert "Ջրամատակարարման ժամանակացույց" in get(client, "/news/").content.decode()
    with schema_context(town.schema_name):
        NewsPage.objects.get(pk=item.pk).delete()
    assert "Ջրամատակարարման ժամանակացույց" not in get(client, "/news/").content.decode()


def test_a_new_decision_a_budget_and_a_fee_show_at_once(town, page_cache):
    from tenants.budget import imports
    from tenants.catalogue.models import Service
    from tenants.registers import services as registers

    client = anonymous(town)
    for path in ("/decisions/", "/budget/", "/services/"):
        get(client, path)
        assert get(client, path)["X-Page-Cache"] == "hit", path

    with schema_context(town.schema_name):
        registers.create(
            registers.get_register("council_decisions"),
            {"number": "41-Ն", "date": "2026-04-02", "title": "Փողոցների լուսավորության մասին", "status": "adopted"}
            | {"published": True, "votes_for": 9, "votes_against": 0, "votes_abstained": 0},
            actor="test",
        )
    decisions = get(client, "/decisions/")
    assert decisions["X-Page-Cache"] == "miss" and "Փողոցների լուսավորության մասին" in decisions.content.decode()

    # A budget's publication writes its lines in bulk (no model signal): its event makes it stale.
    with schema_context(town.schema_name):
        lines = imports.parse("year,category,planned,executed\n2031,01,777000000,700000000\n")
        imports.apply(lines, user=None, file_name="budget.csv", sha256="0" * 64)
    budget = get(client, "/budget/").content.decode()
    assert "2031" in budget

    with schema_context(town.schema_name):
        service = Service.objects.filter(is_active=True).order_by("position").first()
        service.fee_amd = 12345
        service.save()
    assert "12345" in get(client, "/services/").content.decode()


def test_signed_in_people_never_read_or_fill_the_cache(town, page_cache, client_for):
    staff = signed_in(client_for, town, "clerk@pagecache.test", "secretary")
    response = get(staff, "/")
    assert response.status_code == 200 and "X-Page-Cache" not in response
    assert get(anonymous(town))["X-Page-Cache"] == "miss"  # the staff's request filled nothing
    assert get(anonymous(town))["X-Page-Cache"] == "hit"
    with CaptureQueriesContext(connection) as queries:
        response = get(staff, "/")
    assert "X-Page-Cache" not in response and len(queries.captured_queries) > 0  # rendered for them


def test_excluded_paths_posts_and_other_cookies_stay_out(town, page_cache, settings):
    client = anonymous(town)
    for path in ("/track/", "/staff/login/", "/verify/"):
        get(client, path)
        assert "X-Page-Cache" not in get(client, path), path
    assert "X-Page-Cache" not in client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    # A response that sets a cookie other than the CSRF cookie is not kept.
    from hamaynk.pagecache import middleware

    class Request:
        resolver_match = None
        user = None

    from django.http import HttpResponse

    kept = HttpResponse("<p>page</p>")
    assert middleware.storable(Request(), kept)
    tracked = HttpResponse("<p>page</p>")
    tracked.set_cookie("sessionid", "x")
    assert not middleware.storable(Request(), tracked)
    private = HttpResponse("<p>page</p>", headers={"Cache-Control": "private"})
    assert not middleware.storable(Request(), private)
    varied = HttpResponse("<p>page</p>", headers={"Vary": "Accept-Language, User-Agent"})
    assert not middleware.storable(Request(), varied)
    # Views counted against a rate are never kept (a cached answer would not be counted).
    from hamaynk import throttle

    Request.resolver_match = type("Match", (), {"func": throttle.limit("downloads")(lambda request: None)})()
    assert not middleware.storable(Request(), HttpResponse("<p>page</p>"))
    # With a session cookie, not even read.
    with_session = anonymous(town)
    get(with_session)
    with_session.cookies["sessionid"] = "not-a-session"
    assert "X-Page-Cache" not in get(with_session)
    # Off is off.
    settings.PAGE_CACHE = False
    assert "X-Page-Cache" not in get(anonymous(town))


def test_clearing_the_cache_by_command_and_by_event(town, page_cache):
    from django.core.management import call_command

    from hamaynk import events

    client = anonymous(town)
    get(client, "/")
    assert get(client, "/")["X-Page-Cache"] == "hit"
    call_command("page_cache", "clear", municipality=town.slug, verbosity=0)
    assert get(client, "/")["X-Page-Cache"] == "miss"
    call_command("page_cache", "clear", verbosity=0)
    assert get(client, "/")["X-Page-Cache"] == "miss"
    # Any domain event of the municipality, committed; a rolled-back one changes nothing.
    from django.db import transaction

    with schema_context(town.schema_name):
        try:
            with transaction.atomic():
                events.record("test.rolled_back", ("test.thing", "1"))
                raise RuntimeError
        except RuntimeError:
            pass
    assert get(client, "/")["X-Page-Cache"] == "hit"
    with schema_context(town.schema_name):
        events.record("test.happened", ("test.thing", "1"))
    assert get(client, "/")["X-Page-Cache"] == "miss"


def _isolation(alpha, beta):
    """The same paths on two hosts, with the same page title: each host only ever gets its own."""
    from tenants.website.models import HomePage, StandardPage

    shared_title = f"Հայտարարություն {uuid.uuid4().hex[:6]}"
    for municipality in (alpha, beta):
        with schema_context(municipality.schema_name):
            home = HomePage.objects.get(locale__language_code="hy")
            page = StandardPage(
                title=shared_title, slug="notice-" + shared_title[-6:], body=f"<p>{municipality.slug}</p>"
            )
            home.add_child(instance=page)
    path = f"/notice-{shared_title[-6:]}/"
    for _round in range(2):
        for municipality, other in ((alpha, beta), (beta, alpha)):
            for each in ("/", path, "/decisions/?q=x"):
                response = get(anonymous(municipality), each)
                assert response.status_code == 200
                html = response.content.decode()
                assert municipality.name_hy in html and other.name_hy not in html, (municipality.slug, each)
            page = get(anonymous(municipality), path).content.decode()
            assert f"<p>{municipality.slug}</p>" in page and f"<p>{other.slug}</p>" not in page
    assert get(anonymous(alpha), path)["X-Page-Cache"] == "hit"
    assert get(anonymous(beta), path)["X-Page-Cache"] == "hit"
    # Bumping one municipality leaves the other's pages cached.
    from hamaynk import pagecache

    pagecache.bump(alpha.uuid)
    assert get(anonymous(alpha), path)["X-Page-Cache"] == "miss"
    assert get(anonymous(beta), path)["X-Page-Cache"] == "hit"


def test_isolation_two_municipalities_same_paths(alpha, beta, page_cache):
    _isolation(alpha, beta)


def test_isolation_through_redis(alpha, beta, settings):
    import environ

    services.require(services.port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    prefix = f"hamaynk-test-{uuid.uuid4().hex[:8]}"
    config = environ.Env.cache_url_config(environ.Env.parse_value("redis://127.0.0.1:6379/0", str))
    settings.CACHES = {"default": {**config, "KEY_PREFIX": prefix, "KEY_FUNCTION": "hamaynk.tenancy.cache.make_key"}}
    settings.PAGE_CACHE = True
    server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        _isolation(alpha, beta)
        keys = {key.decode() for key in server.scan_iter(match=f"*:{prefix}:*")}
        pages = {key for key in keys if ":page-cache:" in key and "platform:page-cache" not in key}
        # Every page entry is filed under its municipality's uuid.
        assert pages and all(key.split(":", 1)[0] in (str(alpha.uuid), str(beta.uuid)) for key in pages)
        assert {key.split(":", 1)[0] for key in pages} == {str(alpha.uuid), str(beta.uuid)}
        assert f"platform:{prefix}:1:platform:page-cache:generation:{alpha.uuid}" in keys
    finally:
        stale = list(server.scan_iter(match=f"*:{prefix}:*"))
        if stale:
            server.delete(*stale)
