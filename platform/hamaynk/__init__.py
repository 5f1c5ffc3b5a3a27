"""Hamaynk: the national platform that hosts every municipality's CMIS."""

from .celery import app as celery_app  # noqa: E402  (tasks find their app through Django)

__all__ = ["celery_app"]
