def current_memberships(request):
    """The organisations of the logged-in user, shown in the page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = user.memberships.select_related("organisation")
    return {"current_memberships": memberships}
