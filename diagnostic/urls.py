from django.urls import path

from . import views, views_imports

app_name = "diagnostic"

urlpatterns = [
    path("conventions/<int:pk>/diagnostic/", views.tab, name="tab"),
    # The tables as CSV or XLSX (diagnostic:export, kwargs pk and fmt; ?public=1 applies
    # statistical secrecy). One route per format, so a URL never names an unknown format.
    path(
        "conventions/<int:pk>/diagnostic/export.csv",
        views.export,
        {"fmt": "csv"},
        name="export",
    ),
    path(
        "conventions/<int:pk>/diagnostic/export.xlsx",
        views.export,
        {"fmt": "xlsx"},
        name="export",
    ),
    # Importing observations from a file: upload and preview, then confirm (views_imports).
    path("conventions/<int:pk>/diagnostic/import/", views_imports.import_file, name="import"),
    path(
        "conventions/<int:pk>/diagnostic/import/confirmer/",
        views_imports.import_confirm,
        name="import-confirm",
    ),
]
