"""Building a template's page tree in a new municipality with a handful of statements.

Saving page by page (treebeard's add_child and Wagtail's save) costs about sixty queries a page
— sibling checks, path bookkeeping, search and reference index updates — and the tree has 27
pages in three languages. Here every node's materialised path, depth, URL path and translation
key are computed first; the pages go in with one INSERT for the base table and one per page
type, and the search index is filled in bulk. The result is the tree Wagtail itself would have
built (tests compare it: live pages, correct paths and numchild, one translation key per page
across languages)."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

PAGE_TYPES = {
    "home": "HomePage",
    "news_index": "NewsIndexPage",
    "news": "NewsPage",
    "decisions": "DecisionsPage",
    "budget": "BudgetPage",
    "statistics": "StatisticsPage",
    "services": "ServicesPage",
    "contacts": "ContactsPage",
    "open_data": "OpenDataPage",
    "page": "StandardPage",
}
RICH_TEXT = ("intro", "body")


def build(models, root, home, locales, names):
    """Adds one home per language under `root` (the default language first, its slug plain,
    the others' suffixed with their code: homes are siblings) with the template's tree below
    each, and returns the homes by language code."""
    now = timezone.now()
    order = [settings.LANGUAGE_CODE] + [code for code in locales if code != settings.LANGUAGE_CODE]
    existing = root.get_children().count()
    pages, specifics = [], []  # (Page, model, specific fields), in tree order
    keys = {}  # every language's copy of a node shares one translation key, found by its place
    for index, code in enumerate(order):
        slug = home["slug"] if code == settings.LANGUAGE_CODE else f"{home['slug']}-{code}"
        _collect(
            models,
            {**home, "slug": slug},
            Page._get_path(root.path, root.depth + 1, existing + index + 1),
            root.depth + 1,
            root.url_path,
            code,
            locales[code],
            names,
            now,
            pages,
            specifics,
            keys,
            key_path=("home",),
        )
    created = Page.objects.bulk_create(pages)
    by_model = {}
    for page, (model, fields) in zip(created, specifics):
        by_model.setdefault(model, []).append(model(page_ptr_id=page.id, **fields))
    for model, rows in by_model.items():
        model._base_manager._insert(rows, fields=model._meta.local_concrete_fields, using=connection.alias)
    Page.objects.filter(pk=root.pk).update(numchild=existing + len(order))
    _index(by_model)
    homes = [page for page in created if page.depth == root.depth + 1]
    return {page.locale.language_code: page for page in homes}


def _collect(models, node, path, depth, parent_url, code, locale, names, now, pages, specifics, keys, key_path):
    model = getattr(models, PAGE_TYPES[node["type"]])
    title = node["title"][code].format(municipality=names[code])
    key = keys.setdefault(key_path, uuid.uuid4())
    children = node.get("children", [])
    pages.append(
        Page(
            path=path,
            depth=depth,
            numchild=len(children),
            translation_key=key,
            locale=locale,
            live=True,
            has_unpublished_changes=False,
            first_published_at=now,
            last_published_at=now,
            title=title,
            draft_title=title,
            slug=node["slug"],
            content_type=ContentType.objects.get_for_model(model),
            url_path=f"{parent_url}{node['slug']}/",
            show_in_menus=node.get("in_menu", False),
        )
    )
    fields = {}
    for name in ("intro", "summary", "body"):
        if name in node and name in {f.name for f in model._meta.local_fields}:
            text = node[name][code].format(municipality=names[code])
            fields[name] = "".join(f"<p>{part}</p>" for part in text.split("\n\n")) if name in RICH_TEXT else text
    if "kind" in node:
        fields["kind"] = node["kind"]
    specifics.append((model, fields))
    for index, child in enumerate(children, start=1):
        _collect(
            models,
            child,
            Page._get_path(path, depth + 1, index),
            depth + 1,
            f"{parent_url}{node['slug']}/",
            code,
            locale,
            names,
            now,
            pages,
            specifics,
            keys,
            key_path + (child["slug"],),
        )


def _index(by_model):
    """The search index Wagtail's admin searches: one bulk call per page type."""
    backend = get_search_backend()
    for model, rows in by_model.items():
        backend.add_bulk(model, list(model.objects.filter(pk__in=[row.page_ptr_id for row in rows])))
