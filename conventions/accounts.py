"""Logging in, with failed attempts throttled per username and per address."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import ValidationError

TOO_MANY = (
    "Trop de tentatives de connexion échouées. Réessayez dans {minutes} minutes "
    "ou réinitialisez votre mot de passe."
)


class ThrottledAuthenticationForm(AuthenticationForm):
    def failure_keys(self):
        username = (self.data.get("username") or "").strip().lower()
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return [f"login-failures:user:{username}", f"login-failures:address:{address}"]

    def clean(self):
        keys = self.failure_keys()
        if any(cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT for key in keys):
            minutes = settings.LOGIN_FAILURE_WINDOW // 60
            raise ValidationError(TOO_MANY.format(minutes=minutes), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            for key in keys:
                cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
                cache.incr(key)
            raise
        cache.delete(keys[0])
        return cleaned


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True
