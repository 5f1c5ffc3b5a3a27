"""Reading applications now needs cases.view_case and registering one at the window
cases.add_case (before, any role could). Municipalities that already run get them for the roles
that have always worked with applications, as the template now gives them; a new municipality
gets them from its template when it is provisioned."""
from django.db import migrations

READERS = ("mayor", "secretary", "front_office", "specialist", "department_head")
REGISTRARS = ("front_office",)


def grant(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("accounts", "Role")
    found = {p.codename: p for p in Permission.objects.filter(content_type__app_label="cases",
                                                              codename__in=("view_case", "add_case"))}
    if len(found) < 2:
        return  # a schema migrated from scratch: no roles yet, permissions come after migrating
    for role in Role.objects.select_related("group"):
        if role.is_administrator or role.code in READERS:
            role.group.permissions.add(found["view_case"])
        if role.is_administrator or role.code in REGISTRARS:
            role.group.permissions.add(found["add_case"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
