"""The subscription pages, shared by a municipality's staff area and the ministry console: the
schema the request is in decides which subscriptions exist, so a municipality's page can never
show another's. The wrappers in views.py and console_views.py add who may open them."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import catalogue, deliveries, services
from .forms import SubscriptionForm
from .models import Attempt, Delivery, Subscription

LOG_ROWS = 100


class Place:
    """Where the pages live: the base template and the URL names."""

    def __init__(self, base, prefix, ministry):
        self.base = base
        self.ministry = ministry
        self.urls = {
            name: f"{prefix}{name}" for name in ("list", "detail", "pause", "resume", "secret", "delete", "send_again")
        }


def _values(form):
    values = {k: form.cleaned_data[k] for k in ("name", "url", "event_types")}
    values["region"] = form.cleaned_data.get("region", "")
    return values


def subscription_list(request, place):
    form = SubscriptionForm(request.POST or None, ministry=place.ministry)
    issued = None
    if request.method == "POST" and form.is_valid():
        subscription, secret = services.create(_values(form), user=request.user)
        issued = {"subscription": subscription, "secret": secret}
        form = SubscriptionForm(ministry=place.ministry)
    subscriptions = Subscription.objects.all()
    rows = [
        {
            "subscription": s,
            "events": [catalogue.label(t) for t in s.event_types],
            "waiting": s.deliveries.filter(status=Delivery.Status.PENDING).count(),
            "dead": s.deliveries.filter(status=Delivery.Status.DEAD).count(),
        }
        for s in subscriptions
    ]
    status = 200 if request.method == "GET" or form.is_valid() or issued else 400
    return render(
        request,
        "webhooks/list.html",
        {"place": place, "form": form, "issued": issued, "rows": rows},
        status=status,
    )


def subscription_detail(request, place, pk):
    subscription = get_object_or_404(Subscription, pk=pk)
    initial = {k: getattr(subscription, k) for k in ("name", "url", "event_types", "region")}
    form = SubscriptionForm(request.POST or None, initial=initial, ministry=place.ministry)
    if request.method == "POST":
        if form.is_valid():
            if services.update(subscription, _values(form)):
                messages.success(request, _("The subscription was saved."))
            return redirect(place.urls["detail"], pk=pk)
    log = (
        Attempt.objects.filter(delivery__subscription=subscription)
        .select_related("delivery")
        .order_by("-at", "-pk")[:LOG_ROWS]
    )
    dead = subscription.deliveries.filter(status=Delivery.Status.DEAD).order_by("-finished_at")[:LOG_ROWS]
    return render(
        request,
        "webhooks/detail.html",
        {
            "place": place,
            "subscription": subscription,
            "events": [catalogue.label(t) for t in subscription.event_types],
            "form": form,
            "log": log,
            "dead": dead,
            "waiting": subscription.deliveries.filter(status=Delivery.Status.PENDING).count(),
            "secret": request.session.pop(f"webhook-secret-{subscription.pk}", None),
        },
        status=400 if request.method == "POST" else 200,
    )


def pause(request, place, pk):
    subscription = get_object_or_404(Subscription, pk=pk)
    if services.pause(subscription, _("Paused by %(user)s.") % {"user": request.user.get_username()}):
        messages.success(request, _("The subscription is paused: no events are sent to it."))
    return redirect(place.urls["detail"], pk=pk)


def resume(request, place, pk):
    subscription = get_object_or_404(Subscription, pk=pk)
    if services.resume(subscription):
        messages.success(request, _("The subscription is active again; events held while paused go out now."))
    return redirect(place.urls["detail"], pk=pk)


def new_secret(request, place, pk):
    subscription = get_object_or_404(Subscription, pk=pk)
    request.session[f"webhook-secret-{pk}"] = services.new_secret(subscription)
    return redirect(place.urls["detail"], pk=pk)


def delete(request, place, pk):
    subscription = get_object_or_404(Subscription, pk=pk)
    services.delete(subscription)
    messages.success(request, _("The subscription was deleted."))
    return redirect(place.urls["list"])


def send_again(request, place, pk):
    subscription = get_object_or_404(Subscription, pk=pk)
    try:
        delivery = subscription.deliveries.get(pk=int(request.POST.get("delivery", "")), status=Delivery.Status.DEAD)
    except (ValueError, Delivery.DoesNotExist) as exc:
        raise Http404 from exc
    deliveries.send_again(delivery)
    messages.success(request, _("The event will be sent again."))
    return redirect(place.urls["detail"], pk=pk)
