from .models import Department, Settlement


def collect():
    return {"settlements": Settlement.objects.count(), "departments": Department.objects.count()}
