from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hamaynk.permissions import requires

from . import staff
from .forms import StaffForm
from .models import Role


@requires("auth.view_user")
def staff_list(request):
    users = get_user_model().objects.order_by("last_name", "username").prefetch_related("groups__role")
    return render(
        request,
        "accounts/staff_list.html",
        {
            "users": users,
            "roles": Role.objects.prefetch_related("group__permissions"),
        },
    )


@requires("auth.add_user")
def invite(request):
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user, _link = staff.invite(form.cleaned_data, request.tenant)
        messages.success(request, _("%(email)s was sent a link to choose a password.") % {"email": user.email})
        return redirect("accounts:staff")
    return render(request, "accounts/staff_form.html", {"form": form, "invite": True})


@requires("auth.change_user")
def edit(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk)
    form = StaffForm(request.POST or None, user=user, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            staff.update(user, form.cleaned_data)
        messages.success(request, _("The changes were saved."))
        return redirect("accounts:staff")
    return render(request, "accounts/staff_form.html", {"form": form, "member": user})
