from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests last: their live server's database is flushed after each of them,
    which wipes the demo data loaded once for the session (see ``demo_db``)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory):
    """No collectstatic in tests (whitenoise would warn); a fast password hasher; stored
    files (signed PDFs, the test signing keys that load_demo creates) in a temporary
    MEDIA_ROOT, with the keys of a test authority created there."""
    with override_settings(
        STATIC_ROOT=tmp_path_factory.mktemp("static"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        CTG_SIGNING_TEST_KEYS=True,
        CTG_SIGNING_TRUST_ROOTS=[],
        CTG_SIGNING_ORDER="sequential",
        CTG_SIGNING_ON_BEHALF=True,
    ):
        yield


@pytest.fixture(scope="session")
def demo_db(django_db_setup, django_db_blocker):
    """The whole demo data, loaded once for the session (tests must not change it)."""
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=StringIO())


@pytest.fixture
def demo(demo_db, db):
    from conventions.models import Convention

    return Convention.objects.get(short_title="CTG Jura Nord 2019-2023")


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "secret-pass")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
