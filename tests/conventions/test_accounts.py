"""Logins and password resets are throttled without letting anyone lock another account out."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

THROTTLED = "Trop de tentatives de connexion échouées"


@pytest.fixture(autouse=True)
def empty_cache():
    """Every request of the test client comes from 127.0.0.1: start and end with no count."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    user = UserFactory(username="gestionnaire", is_staff=True, is_superuser=True)
    user.set_password("bon-mot-de-passe")
    user.save()
    return user


def fail(client, url, username, address="10.0.0.1"):
    data = {"username": username, "password": "faux"}
    return client.post(url, data, REMOTE_ADDR=address)


def log_in(client, url, username, address="10.0.0.1"):
    data = {"username": username, "password": "bon-mot-de-passe"}
    return client.post(url, data, REMOTE_ADDR=address)


def test_admin_login_is_throttled_after_repeated_failures(client, staff, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        fail(client, "/admin/login/", "gestionnaire")

    response = log_in(client, "/admin/login/", "gestionnaire")

    assert THROTTLED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_from_elsewhere_do_not_lock_the_account_out(client, staff, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(5):
        fail(client, reverse("login"), "gestionnaire", address="203.0.113.9")

    response = log_in(client, reverse("login"), "gestionnaire", address="10.0.0.1")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_one_address_guessing_many_accounts_is_throttled(client, staff, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    for number in range(4):
        fail(client, reverse("login"), f"inconnu-{number}")

    response = log_in(client, reverse("login"), "gestionnaire")

    assert THROTTLED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_pause_doubles_with_each_further_failure(client, staff, settings, monkeypatch):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_FAILURE_WINDOW = 60
    now = [1_000_000.0]
    monkeypatch.setattr("conventions.accounts.time.time", lambda: now[0])
    for _ in range(2):
        fail(client, reverse("login"), "gestionnaire")
    assert "1 minute" in fail(client, reverse("login"), "gestionnaire").content.decode()

    now[0] += 61  # the first pause is over: one more failure pauses twice as long
    fail(client, reverse("login"), "gestionnaire")
    now[0] += 61
    page = log_in(client, reverse("login"), "gestionnaire").content.decode()

    assert THROTTLED in page and "1 minute" in page
    now[0] += 60
    assert log_in(client, reverse("login"), "gestionnaire").status_code == 302


def test_a_successful_login_clears_the_account_count(client, staff, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        fail(client, reverse("login"), "gestionnaire")
    log_in(client, reverse("login"), "gestionnaire")
    client.logout()

    for _ in range(2):
        fail(client, reverse("login"), "gestionnaire")
    response = log_in(client, reverse("login"), "gestionnaire")

    assert response.status_code == 302


def test_behind_a_proxy_the_client_address_is_read_from_its_header(client, staff, settings):
    settings.CTG_CLIENT_ADDRESS_HEADER = "X-Real-IP"
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 2
    for number in range(2):
        client.post(
            reverse("login"),
            {"username": f"inconnu-{number}", "password": "faux"},
            HTTP_X_REAL_IP="203.0.113.9",
        )

    response = log_in(client, reverse("login"), "gestionnaire")  # same proxy, another client

    assert response.status_code == 302


RESET_THROTTLED = "Trop de demandes de réinitialisation"
CSRF_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"')


def ask_reset(client, email, address="10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_emails_are_limited_per_email(client, staff, settings):
    staff.email = "gestion@example.org"
    staff.save()
    settings.PASSWORD_RESET_LIMIT = 2
    for address in ("10.0.0.1", "10.0.0.2"):
        assert ask_reset(client, "gestion@example.org", address).status_code == 302

    response = ask_reset(client, "GESTION@example.org", "10.0.0.3")

    assert RESET_THROTTLED in response.content.decode()
    assert len(mail.outbox) == 2


def test_password_reset_requests_are_limited_per_address(client, staff, settings):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 3
    for number in range(3):
        ask_reset(client, f"personne-{number}@example.org")

    response = ask_reset(client, "gestion@example.org")

    assert RESET_THROTTLED in response.content.decode()


def test_password_reset_throttle_does_not_tell_whether_an_account_exists(client, staff, settings):
    staff.email = "gestion@example.org"
    staff.save()
    settings.PASSWORD_RESET_LIMIT = 1
    pages = []
    for email in ("gestion@example.org", "inconnu@example.org"):
        first = ask_reset(client, email)
        second = CSRF_TOKEN.sub("", ask_reset(client, email).content.decode())
        second = second.replace(email, "ADRESSE")
        pages.append((first.status_code, first.url, second))

    (known, unknown) = pages
    assert known == unknown
    assert RESET_THROTTLED in known[2]


def test_a_pause_follows_the_limit_in_force(client, staff, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        fail(client, reverse("login"), "gestionnaire")
    assert THROTTLED in log_in(client, reverse("login"), "gestionnaire").content.decode()

    settings.LOGIN_FAILURE_LIMIT = 5

    assert log_in(client, reverse("login"), "gestionnaire").status_code == 302
