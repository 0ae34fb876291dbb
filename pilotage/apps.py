from django.apps import AppConfig


class PilotageConfig(AppConfig):
    name = "pilotage"
    verbose_name = "Pilotage"

    def ready(self):
        from . import forms  # noqa: F401  (registers the editable parts)
