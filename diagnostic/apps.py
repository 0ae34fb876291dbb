from django.apps import AppConfig


class DiagnosticConfig(AppConfig):
    name = "diagnostic"
    verbose_name = "Diagnostic partagé"

    def ready(self):
        from . import forms  # noqa: F401  (registers the editable parts)
