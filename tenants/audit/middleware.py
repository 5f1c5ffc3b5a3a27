from .context import acting


class AuditActorMiddleware:
    """Makes the request (its user, its address) the actor of every change recorded while it is
    handled. Placed after the authentication middleware; the user is read only if something is
    recorded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting(request):
            return self.get_response(request)
