"""Errors people see: bad input reported per field, and the 404 page."""

from django.shortcuts import render


class FieldErrors(Exception):
    """{field name or "__all__": [message, ...]}; nothing was changed. Forms, the CLI and the
    APIs each show it their own way."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def not_found(request, exception=None):
    """The 404 page of the console and of every municipality's site."""
    return render(request, "hamaynk/page_not_found.html", status=404)
