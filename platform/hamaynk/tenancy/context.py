def municipality(request):
    """Templates see the municipality of the request (None on the ministry console)."""
    return {"municipality": getattr(request, "tenant", None)}
