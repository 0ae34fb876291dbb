"""Logging in, with failed attempts throttled per address and per account at an address;
password reset e-mails limited per address and per e-mail.

Counting failures per account alone would let anyone lock an account out from everywhere
by guessing its password on purpose; counted per address and per (account, address), a
guesser only locks themselves out. Past the limit, each further failure doubles the pause.
The staff login and the back-office login (``/admin/login/``) share the counts. A reset
request is counted and refused alike whether an account has the e-mail or not, so the
page still tells nobody which addresses have an account.
"""

import math
import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.cache import cache
from django.core.exceptions import ValidationError

TOO_MANY = (
    "Trop de tentatives de connexion échouées. Réessayez dans {delay} "
    "ou réinitialisez votre mot de passe."
)
TOO_MANY_RESETS = (
    "Trop de demandes de réinitialisation du mot de passe. Réessayez dans {delay} ; "
    "si un compte correspond à cette adresse, le lien déjà envoyé reste valable."
)
# A count is forgotten this long after its last failure (or its pause, if longer).
MEMORY = 24 * 60 * 60
LONGEST_PAUSE = 24 * 60 * 60


def client_address(request):
    """The client's address: ``REMOTE_ADDR``, or behind a reverse proxy the header it sets
    (``CTG_CLIENT_ADDRESS_HEADER``, e.g. ``X-Real-IP``, which the proxy must overwrite)."""
    if request is None:
        return ""
    header = settings.CTG_CLIENT_ADDRESS_HEADER
    if header:
        name = "HTTP_" + header.upper().replace("-", "_")
        return request.META.get(name, "").split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def in_minutes(seconds):
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


class Throttle:
    """Failures (or requests) counted under one cache key: from the ``limit``-th on, each
    one pauses the key for ``window`` seconds (``LOGIN_FAILURE_WINDOW``), twice as long as
    the pause before."""

    def __init__(self, key, limit, window=None):
        self.key = key
        self.limit = limit
        self.window = window

    def state(self):
        return cache.get(self.key) or {"failures": 0, "last": 0.0}

    def pause(self, failures):
        if failures < self.limit:
            return 0
        window = self.window or settings.LOGIN_FAILURE_WINDOW
        return min(window * 2 ** (failures - self.limit), LONGEST_PAUSE)

    def remaining(self):
        """Seconds left in the current pause, 0 when none."""
        state = self.state()
        if not (pause := self.pause(state["failures"])):
            return 0.0
        return max(0.0, state["last"] + pause - time.time())

    def record(self):
        failures = self.state()["failures"] + 1
        state = {"failures": failures, "last": time.time()}
        cache.set(self.key, state, max(self.pause(failures), MEMORY))

    def clear(self):
        cache.delete(self.key)


def remaining_pause(throttles):
    return max(throttle.remaining() for throttle in throttles)


class ThrottleLoginMixin:
    def throttles(self):
        username = (self.data.get("username") or "").strip().lower()
        address = client_address(self.request)
        return [
            Throttle(f"login-failures:address:{address}", settings.LOGIN_ADDRESS_FAILURE_LIMIT),
            Throttle(f"login-failures:account:{username}:{address}", settings.LOGIN_FAILURE_LIMIT),
        ]

    def clean(self):
        throttles = self.throttles()
        if pause := remaining_pause(throttles):
            raise ValidationError(TOO_MANY.format(delay=in_minutes(pause)), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            for throttle in throttles:
                throttle.record()
            raise
        throttles[1].clear()
        return cleaned


class ThrottledAuthenticationForm(ThrottleLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottleLoginMixin, AdminAuthenticationForm):
    pass


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class ThrottledPasswordResetForm(PasswordResetForm):
    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        email = (cleaned.get("email") or "").strip().lower()
        address = client_address(self.request)
        window = settings.PASSWORD_RESET_WINDOW
        throttles = [
            Throttle(f"reset:address:{address}", settings.PASSWORD_RESET_ADDRESS_LIMIT, window),
            Throttle(f"reset:email:{email}", settings.PASSWORD_RESET_LIMIT, window),
        ]
        if pause := remaining_pause(throttles):
            raise ValidationError(TOO_MANY_RESETS.format(delay=in_minutes(pause)), code="throttled")
        for throttle in throttles:
            throttle.record()
        return cleaned


class ThrottledPasswordResetView(PasswordResetView):
    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}
