from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = "Conventions"

    def ready(self):
        from . import forms, locking  # noqa: F401  (registers the parts and the lock guard)
