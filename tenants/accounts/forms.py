from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tenants.profile.models import Department

from .models import Role


class StaffForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"), queryset=Role.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"),
        queryset=Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Unassigned applications of these departments appear in their inbox."),
    )
    is_active = forms.BooleanField(label=_("May sign in"), required=False, initial=True)

    def __init__(self, *args, user=None, acting_user=None, **kwargs):
        self.user = user
        self.acting_user = acting_user
        if user is not None:
            kwargs.setdefault(
                "initial",
                {
                    "email": user.email,
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "roles": [g.role for g in user.groups.select_related("role") if hasattr(g, "role")],
                    "departments": list(user.departments.all()),
                    "is_active": user.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["roles"].label_from_instance = lambda role: role.name
        self.fields["departments"].label_from_instance = lambda department: department.name
        if not self.fields["departments"].queryset.exists():
            del self.fields["departments"]
        if user is None:
            del self.fields["is_active"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        others = get_user_model().objects.filter(username=email)
        if self.user is not None:
            others = others.exclude(pk=self.user.pk)
        if others.exists():
            raise forms.ValidationError(_("A staff member with this email already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        if self.user is None or self.errors:
            return cleaned
        keeps_admin = cleaned.get("is_active") and any(r.is_administrator for r in cleaned.get("roles", []))
        other_admins = (
            get_user_model()
            .objects.filter(is_active=True, groups__role__is_administrator=True)
            .exclude(pk=self.user.pk)
        )
        if not keeps_admin and not other_admins.exists():
            raise forms.ValidationError(_("The municipality must keep at least one active administrator."))
        if self.user == self.acting_user and not cleaned.get("is_active"):
            raise forms.ValidationError(_("You cannot take away your own access."))
        return cleaned
