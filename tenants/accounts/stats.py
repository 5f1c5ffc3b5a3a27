from django.contrib.auth import get_user_model


def collect():
    users = get_user_model().objects.filter(is_active=True)
    return {
        "staff_users": users.count(),
        "staff_signed_in": users.filter(last_login__isnull=False).count(),
    }
