from django.urls import path

from . import (
    views,
    views_amendments,
    views_documents,
    views_parts,
    views_signing,
    views_workflow,
)

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
    path(
        "conventions/<int:pk>/etape/<str:target>/",
        views_workflow.convention_step,
        name="convention-step",
    ),
    # Before the parts' patterns, which would take « avenants » for a part's slug.
    path("conventions/<int:pk>/avenants/", views_amendments.amendment_list, name="amendment-list"),
    path(
        "conventions/<int:pk>/avenants/ouvrir/",
        views_amendments.amendment_open,
        name="amendment-open",
    ),
    path(
        "conventions/<int:pk>/avenants/<int:number>/",
        views_amendments.amendment_detail,
        name="amendment-detail",
    ),
    path(
        "conventions/<int:pk>/avenants/<int:number>/modifier/",
        views_amendments.amendment_edit,
        name="amendment-edit",
    ),
    path(
        "conventions/<int:pk>/avenants/<int:number>/articles/",
        views_amendments.amendment_article,
        name="amendment-article-add",
    ),
    path(
        "conventions/<int:pk>/avenants/<int:number>/articles/<int:article_pk>/",
        views_amendments.amendment_article,
        name="amendment-article",
    ),
    path(
        "conventions/<int:pk>/avenants/<int:number>/etape/<str:target>/",
        views_amendments.amendment_step,
        name="amendment-step",
    ),
    path(
        "conventions/<int:pk>/avenants/<int:number>/document/",
        views_amendments.amendment_preview,
        name="amendment-preview",
    ),
    path(
        "conventions/<int:pk>/avenants/<int:number>/avenant.pdf",
        views_amendments.amendment_pdf,
        name="amendment-pdf",
    ),
    path(
        "conventions/<int:pk>/versions/<int:number>/texte-consolide.pdf",
        views_amendments.version_download,
        name="version-download",
    ),
    path("conventions/<int:pk>/<slug:slug>/ajouter/", views_parts.part_add, name="part-add"),
    path("conventions/<int:pk>/<slug:slug>/<int:item_pk>/", views_parts.part_row, name="part-row"),
    path(
        "conventions/<int:pk>/<slug:slug>/<int:item_pk>/historique/",
        views_parts.part_history,
        name="part-history",
    ),
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
    path(
        "conventions/<int:pk>/document/",
        views_documents.document_preview,
        name="document-preview",
    ),
    path(
        "conventions/<int:pk>/document.pdf",
        views_documents.document_download,
        name="document-download",
    ),
    path(
        "conventions/<int:pk>/deliberations/<int:deliberation_pk>/scan.pdf",
        views_documents.deliberation_scan,
        name="deliberation-scan",
    ),
    path(
        "conventions/<int:pk>/signatures/",
        views_signing.signature_list,
        name="signature-list",
    ),
    path(
        "conventions/<int:pk>/signatures/<int:signature_pk>/signer/",
        views_signing.signature_sign,
        name="signature-sign",
    ),
    path(
        "conventions/<int:pk>/signatures/<int:signature_pk>/refuser/",
        views_signing.signature_decline,
        name="signature-decline",
    ),
    path(
        "conventions/<int:pk>/signatures/<int:signature_pk>/convention-signee.pdf",
        views_signing.signature_download,
        name="signature-download",
    ),
    path(
        "conventions/<int:pk>/convention-figee.pdf",
        views_signing.frozen_download,
        name="frozen-download",
    ),
    path(
        "conventions/<int:pk>/convention-signee.pdf",
        views_signing.signed_download,
        name="signed-download",
    ),
    path(
        "conventions/<int:pk>/exemplaire-signe/",
        views_signing.scan_upload,
        name="scan-upload",
    ),
    path(
        "conventions/<int:pk>/exemplaire-signe/<int:copy_pk>.pdf",
        views_signing.scan_download,
        name="scan-download",
    ),
    path("verification/", views_signing.verify, name="signature-verify"),
]
