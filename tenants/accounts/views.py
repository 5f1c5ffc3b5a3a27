from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from .models import Role


@permission_required("auth.view_user", raise_exception=True)
def staff_list(request):
    users = get_user_model().objects.order_by("last_name", "username").prefetch_related("groups__role")
    return render(request, "accounts/staff_list.html", {
        "users": users,
        "roles": Role.objects.prefetch_related("group__permissions"),
    })
