"""Which roles read personal data through the registers: asked by the two-factor policy."""

from django.db.models import Q

from .models import Register, RegisterPermission


def reads_personal_data(role):
    """A role reads personal data here when it may open the personal-data access log, or has any
    right (view, edit, import, export) on a register with a personal identifier field."""
    if role.group.permissions.filter(content_type__app_label="registers", codename="view_personaldataaccess").exists():
        return True
    personal = [register.pk for register in Register.objects.all() if register.has_personal_data]
    rights = Q(can_view=True) | Q(can_edit=True) | Q(can_import=True) | Q(can_export=True)
    return RegisterPermission.objects.filter(rights, role=role, register__in=personal).exists()
