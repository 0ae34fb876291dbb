from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from pytest_django.plugin import blocking_manager_key

DEMO_FLUSHED = pytest.StashKey[bool]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests last: their live server's database is flushed after each of them,
    which wipes the demo data loaded once for the session (see ``demo_db``)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Under pytest-xdist a process may still run other tests after a browser test (files
    are handed out by size): the demo data that the browser test's flush wiped is loaded
    again, once, before the next test that needs it."""
    if item.get_closest_marker("browser"):
        item.config.stash[DEMO_FLUSHED] = True
    elif item.config.stash.get(DEMO_FLUSHED, False) and "demo_db" in item.fixturenames:
        with item.config.stash[blocking_manager_key].unblock():
            call_command("load_demo", stdout=StringIO())
        item.config.stash[DEMO_FLUSHED] = False


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


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the login and reset throttles count there."""
    yield
    cache.clear()


@pytest.fixture(scope="session")
def demo_db(django_db_setup, django_db_blocker):
    """The whole demo data, loaded once for the session (tests must not change it)."""
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=StringIO())


@contextmanager
def shared_rows(django_db_blocker):
    """For a fixture wider than one test (``scope="module"`` or ``"class"``) that builds an
    expensive state once: what it writes inside is seen by every test of its scope (each
    test's own transaction nests in this one as a savepoint, so their changes still go
    after each test) and is rolled back after the last of them."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


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
