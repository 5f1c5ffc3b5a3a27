from .models import Line


def collect():
    return {"years": Line.objects.values("year").distinct().count(), "lines": Line.objects.count()}
