"""A field on the public forms that people never see and simple form-filling robots fill in.

The field sits off screen (not only `display: none`, which robots learn to skip), hidden from
screen readers (`aria-hidden`), out of the keyboard order (`tabindex="-1"`) and closed to the
browser's autofill (`autocomplete="off"`), so no person fills it by accident. A request that
arrives with it filled is answered as if all were well and nothing is stored, sent or looked
up: the robot learns nothing it could adapt to.

Templates include `hamaynk/honeypot.html` inside the form; views ask `filled(request)` first.
"""

FIELD = "website"


def filled(request):
    """Whether the request carries the hidden field with anything in it."""
    data = request.POST if request.method == "POST" else request.GET
    return data.get(FIELD, "") != ""
