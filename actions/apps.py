from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Plan d'action"

    def ready(self):
        from . import forms  # noqa: F401  (registers the editable parts)
