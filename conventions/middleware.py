"""What a logged-in user is sent (pages, fragments, PDFs) is kept by no cache: neither a
shared proxy nor the browser's disk, where the next user of the computer could find it."""

from django.utils.cache import patch_cache_control


def private_pages_not_stored(get_response):
    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
