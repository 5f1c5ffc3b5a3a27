"""Enrolment (QR code, key as text, a first code, then the backup codes once) and the code
asked after the password. The same views serve the console and the staff area; only the page
around them differs."""

from functools import wraps

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from hamaynk.permissions import SIGNED_IN

from . import devices, policy

NEW_CODES_SESSION_KEY = "two_factor_new_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false", "autocapitalize": "off"}
        ),
    )


def _base_template():
    return "console/base.html" if policy.in_console() else "hamaynk/staff_base.html"


def _home():
    return reverse("console:list") if policy.in_console() else reverse("staff_dashboard")


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return _home()


def _render(request, template, context):
    return render(request, template, {"base_template": _base_template(), "next": _next(request), **context})


def _signed_in(request, device):
    """The session is now verified by `device`: a new session key, as after the password."""
    request.session.cycle_key()
    otp_login(request, device)


def _wrong_code(request, form, message):
    """A wrong code counts as a failed sign-in (django-axes): after AXES_FAILURE_LIMIT of them the
    user name is locked like after wrong passwords, and this session ends. Returns whether it
    did (AxesMiddleware then answers with the lockout page)."""
    form.add_error("code", message)
    user = request.user
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return True
    return False


def signed_in_required(view):
    """login_required with the sign-in page of the host: the console's or the staff area's."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "console:login" if policy.in_console() else "login")
        return view(request, *args, **kwargs)

    wrapper.requirement = SIGNED_IN  # what the staff permission matrix reads (hamaynk.permissions)
    return wrapper


@never_cache
@sensitive_post_parameters("code")
@signed_in_required
def verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not devices.has_device(user):
        return redirect(f"{reverse('two_factor:enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = devices.verify(user, form.cleaned_data["code"])
        except devices.Throttled as throttled:
            form.add_error("code", _wait_message(throttled.until))
        else:
            if device is not None:
                _signed_in(request, device)
                return redirect(_next(request))
            if _wrong_code(
                request, form, _("This code is not right. Check the time on your phone, or use a backup code.")
            ):
                return redirect(_home())
    return _render(request, "twofactor/verify.html", {"form": form})


@never_cache
@sensitive_post_parameters("code")
@signed_in_required
def enrol(request):
    user = request.user
    if devices.has_device(user):
        return redirect(f"{reverse('two_factor:verify')}?{request.GET.urlencode()}")
    device = devices.pending_app(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = devices.confirm(device, form.cleaned_data["code"])
        except devices.Throttled as throttled:
            codes = None
            form.add_error("code", _wait_message(throttled.until))
        else:
            if codes is None and _wrong_code(
                request, form, _("This code is not right. Enter the code the app shows now.")
            ):
                return redirect(_home())
        if codes is not None:
            device.refresh_from_db()
            _signed_in(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            return redirect(f"{reverse('two_factor:backup_codes')}?{request.GET.urlencode()}")
    return _render(
        request,
        "twofactor/enrol.html",
        {
            "form": form,
            "qr_svg": devices.qr_svg(device),
            "secret": devices.secret_text(device),
            "required": policy.required_for(user),
        },
    )


@never_cache
@signed_in_required
def backup_codes(request):
    """The backup codes, once: they are taken out of the session as the page is made."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes or not request.user.is_verified():
        return redirect(_next(request))
    return _render(
        request,
        "twofactor/backup_codes.html",
        {
            "codes": codes,
            "download": "\r\n".join(
                [
                    _("Backup codes for %(user)s, each usable once:") % {"user": request.user.get_username()},
                    "",
                    *codes,
                    "",
                ]
            ),
            "filename": f"hamaynk-backup-codes-{request.get_host().split(':')[0]}.txt",
        },
    )


@never_cache
@signed_in_required
def new_backup_codes(request):
    """A new sheet for a verified user who used or lost the old one (the old codes stop working)."""
    if request.method != "POST" or not request.user.is_verified():
        return redirect(_home())
    request.session[NEW_CODES_SESSION_KEY] = devices.new_backup_codes(request.user)
    return redirect("two_factor:backup_codes")


def _wait_message(until):
    if until is None:
        return _("Too many wrong codes. Wait a moment and try again.")
    seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999))
    return _("Too many wrong codes. Try again in %(seconds)s s (at %(time)s).") % {
        "seconds": seconds,
        "time": formats.time_format(timezone.localtime(until), "H:i:s"),
    }
