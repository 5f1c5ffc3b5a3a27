"""The `website` section of a template: the page tree in three languages, who may write and
publish, the moderation workflow, and the default colours.

Provisioning builds one tree per language under Wagtail's root: the Armenian home page is the
site's root and the English and Russian homes are its translations (same translation key), with
the same slugs below them, so a path means the same page in every language. Wagtail's stock
content — its welcome page and its "Moderators"/"Editors" groups — is replaced by the template's."""

import logging

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
)

from tenants.accounts.models import Role
from tenants.i18n_schema import CODE, TRANSLATED_TEXT

from . import tree
from .colours import validate_brand_colour

PAGE_ACTIONS = ["add", "change", "publish", "lock", "unlock", "delete"]
COLLECTION_ACTIONS = ["add", "change", "choose", "delete"]

PAGE = {
    "type": "object",
    "properties": {
        "type": {"enum": sorted(tree.PAGE_TYPES)},
        "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,79}$"},
        "title": TRANSLATED_TEXT,
        "intro": TRANSLATED_TEXT,
        "summary": TRANSLATED_TEXT,
        "body": TRANSLATED_TEXT,
        "kind": {"enum": ["news", "announcement"]},
        "in_menu": {"type": "boolean"},
        "children": {"type": "array", "items": {"$ref": "#/$defs/page"}},
    },
    "required": ["type", "slug", "title"],
    "additionalProperties": False,
}
SCHEMA = {
    "$defs": {"page": PAGE},
    "type": "object",
    "properties": {
        "branding": {
            "type": "object",
            "properties": {"primary_colour": {"type": "string"}, "accent_colour": {"type": "string"}},
            "additionalProperties": False,
        },
        "permissions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "role": CODE,
                    "pages": {"type": "array", "items": {"enum": PAGE_ACTIONS}, "uniqueItems": True},
                    "media": {"type": "array", "items": {"enum": COLLECTION_ACTIONS}, "uniqueItems": True},
                },
                "required": ["role"],
                "additionalProperties": False,
            },
        },
        "moderation": {
            "type": "object",
            "properties": {"name": TRANSLATED_TEXT, "moderators": {"type": "array", "items": CODE, "minItems": 1}},
            "required": ["name", "moderators"],
            "additionalProperties": False,
        },
        "home": {"$ref": "#/$defs/page"},
    },
    "required": ["permissions", "moderation", "home"],
    "additionalProperties": False,
}


def check(data, sections):
    problems = []
    roles = {role["code"] for role in sections.get("accounts", {}).get("roles", [])}
    for index, entry in enumerate(data.get("permissions", [])):
        if entry["role"] not in roles:
            problems.append((f"permissions[{index}].role", f"unknown role {entry['role']!r}"))
    for index, code in enumerate(data.get("moderation", {}).get("moderators", [])):
        if code not in roles:
            problems.append((f"moderation.moderators[{index}]", f"unknown role {code!r}"))
    for name, colour in data.get("branding", {}).items():
        try:
            validate_brand_colour(colour)
        except Exception as exc:  # a ValidationError; its message is translated text
            problems.append((f"branding.{name}", " ".join(exc.messages)))
    home = data.get("home", {})
    if home and home.get("type") != "home":
        problems.append(("home.type", "the root of the tree must be a home page"))
    problems.extend(_check_tree(home, "home"))
    return problems


def _check_tree(node, where):
    problems = []
    slugs = set()
    for index, child in enumerate(node.get("children", [])):
        path = f"{where}.children[{index}]"
        if child["type"] == "home":
            problems.append((f"{path}.type", "a home page can only be the root"))
        if child["slug"] in slugs:
            problems.append((f"{path}.slug", f"duplicate slug {child['slug']!r} among siblings"))
        slugs.add(child["slug"])
        if child["type"] == "news" and node["type"] != "news_index":
            problems.append((f"{path}.type", "news items belong under a news_index page"))
        problems.extend(_check_tree(child, path))
    return problems


def load(data, context):
    from . import models

    Locale.objects.bulk_create(
        [Locale(language_code=code) for code, _name in settings.LANGUAGES], ignore_conflicts=True
    )
    locales = {locale.language_code: locale for locale in Locale.objects.all()}
    # Wagtail's own welcome page goes; the template's tree takes its place. Wagtail logs the
    # unpublishing and deletion of every page at INFO: not for its placeholder, on every provision.
    wagtail_log = logging.getLogger("wagtail")
    level = wagtail_log.level
    wagtail_log.setLevel(logging.WARNING)
    try:
        Page.objects.filter(depth=2).delete()
    finally:
        wagtail_log.setLevel(level)
    root = Page.get_first_root_node()
    names = {
        code: getattr(context.municipality, f"name_{code}", "") or context.municipality.name_hy for code in locales
    }
    homes = tree.build(models, root, data["home"], locales, names)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": "localhost",
            "root_page": homes[settings.LANGUAGE_CODE],
            "site_name": names[settings.LANGUAGE_CODE],
        },
    )
    Site.clear_site_root_paths_cache()
    _permissions(data, root)
    _moderation(data["moderation"])
    branding = models.Branding.load()
    for name, colour in data.get("branding", {}).items():
        setattr(branding, name, colour)
    branding.save()


def _permissions(data, root):
    groups = {role.code: role.group for role in Role.objects.select_related("group")}
    # Wagtail's stock groups are not roles of the municipality.
    Group.objects.filter(role__isnull=True).delete()
    page_type = ContentType.objects.get_for_model(Page)
    page_permissions = {p.codename: p for p in Permission.objects.filter(content_type=page_type)}
    media = {
        p.codename: p for p in Permission.objects.filter(content_type__app_label__in=["wagtailimages", "wagtaildocs"])
    }
    collection = Collection.get_first_root_node()
    page_rows, media_rows = [], []
    for entry in data["permissions"]:
        group = groups[entry["role"]]
        page_rows += [
            GroupPagePermission(group=group, page=root, permission=page_permissions[f"{action}_page"])
            for action in entry.get("pages", [])
        ]
        media_rows += [
            GroupCollectionPermission(group=group, collection=collection, permission=media[f"{action}_{kind}"])
            for action in entry.get("media", [])
            for kind in ("image", "document")
        ]
    GroupPagePermission.objects.bulk_create(page_rows, ignore_conflicts=True)
    GroupCollectionPermission.objects.bulk_create(media_rows, ignore_conflicts=True)


def _moderation(spec):
    """Authors submit, the moderators' roles approve and publish: Wagtail's workflow on the
    root page, with the template's name and the template's roles."""
    name = spec["name"][settings.LANGUAGE_CODE]
    workflow = Workflow.objects.filter(workflow_pages__page__depth=1).first() or Workflow.objects.create(name=name)
    workflow.name = name
    workflow.save(update_fields=["name"])
    task = workflow.tasks.first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=name)
        workflow.workflow_tasks.create(task=task, sort_order=0)
    approval = task.specific
    approval.name = name
    approval.save(update_fields=["name"])
    approval.groups.set(Group.objects.filter(role__code__in=spec["moderators"]))
    if not workflow.workflow_pages.exists():
        workflow.workflow_pages.create(page=Page.get_first_root_node())
