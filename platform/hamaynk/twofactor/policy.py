"""Who must sign in with a second factor.

In the public schema every ministry user (the console manages every municipality). In a
municipality, a staff member whose roles include the administrator, a role the template marks
`two_factor: true`, or a role that reads personal data by the modules' own account
(`Module.reads_personal_data`). The roles' permissions are read as they are now, so a role that is
given a personal register tomorrow needs a second factor tomorrow, without a list to update.
"""

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name

from hamaynk.modules import all_modules


def in_console():
    return connection.schema_name == get_public_schema_name()


def required_for(user):
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    if in_console():
        return True
    if user.is_superuser:
        return True
    return any(role_requires(role) for role in roles_of(user))


def roles_of(user):
    from tenants.accounts.models import Role

    return Role.objects.filter(group__user=user)


def role_requires(role):
    """Whether holders of `role` must use a second factor (see the module's docstring)."""
    if role.is_administrator or role.two_factor:
        return True
    return any(module.reads_personal_data(role) for module in all_modules() if module.reads_personal_data)
