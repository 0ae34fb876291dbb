from django.urls import path

from . import views, views_parts

app_name = "conventions"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("aide/", views.help_page, name="help"),
    path("conventions/nouvelle/", views.convention_create, name="convention-create"),
    path("conventions/<int:pk>/", views.convention_detail, name="convention-detail"),
    path("conventions/<int:pk>/modifier/", views.convention_edit, name="convention-edit"),
    path(
        "conventions/<int:pk>/documents/", views.convention_documents, name="convention-documents"
    ),
    path("conventions/<int:pk>/<slug:slug>/ajouter/", views_parts.part_add, name="part-add"),
    path("conventions/<int:pk>/<slug:slug>/<int:item_pk>/", views_parts.part_row, name="part-row"),
    path(
        "conventions/<int:pk>/<slug:slug>/<int:item_pk>/modifier/",
        views_parts.part_edit,
        name="part-edit",
    ),
    path(
        "conventions/<int:pk>/<slug:slug>/<int:item_pk>/supprimer/",
        views_parts.part_delete,
        name="part-delete",
    ),
    path(
        "conventions/<int:pk>/<slug:slug>/<int:item_pk>/deplacer/<str:direction>/",
        views_parts.part_move,
        name="part-move",
    ),
]
