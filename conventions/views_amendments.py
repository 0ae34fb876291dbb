"""The avenants of a convention: open one, write its articles, see what it changes, freeze
it, sign it (the signing views are shared with the convention: conventions/views_signing.py)
and download the signed versions. ``conventions.amendments`` does the work.

These pages write to a locked convention's avenants, not to its content: their views are
``locked_ok``; the content itself is open while an avenant is in preparation.
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from . import amendments
from .access import convention_view, workspace
from .locking import AmendmentLocked
from .models import Amendment, AmendmentArticle, ConventionVersion
from .parts import AccessibleErrorsMixin
from .views_signing import base_name, pdf_bytes_response, pdf_response, signing_context
from .workflow import StepRefused


class AmendmentForm(AccessibleErrorsMixin, forms.ModelForm):
    class Meta:
        model = Amendment
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}


class ArticleForm(AccessibleErrorsMixin, forms.ModelForm):
    class Meta:
        model = AmendmentArticle
        fields = ["number", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, amendment, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.amendment = amendment

    def clean_number(self):
        number = self.cleaned_data["number"]
        taken = self.instance.amendment.articles.filter(number=number).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"L'avenant a déjà un article {number}.")
        return number


def check_draft(amendment):
    if not amendment.is_draft:
        raise AmendmentLocked(amendment)


def get_amendment(convention, number):
    return get_object_or_404(
        Amendment.objects.select_related("opened_by"), convention=convention, number=number
    )


def to_amendment(amendment):
    return redirect("conventions:amendment-detail", amendment.convention_id, amendment.number)


# The list


def amendments_page(request, convention, *, form=None, status=200):
    listed = list(convention.amendments.all())
    context = workspace(
        convention,
        "documents",
        amendments=listed,
        versions=list(convention.versions.select_related("amendment").defer("content")),
        can_open=convention.user_can_edit
        and convention.status in amendments.AMENDABLE
        and all(a.status == Amendment.Status.SIGNED for a in listed),
        form=form or AmendmentForm(),
    )
    return render(request, "conventions/amendments/list.html", context, status=status)


@convention_view
@require_safe
def amendment_list(request, convention):
    return amendments_page(request, convention)


@convention_view(locked_ok=True)
@require_POST
def amendment_open(request, convention):
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            amendment = amendments.open_amendment(
                convention, user=request.user, **form.cleaned_data
            )
        except StepRefused as refusal:
            form.add_error(None, f"Impossible d'ouvrir un avenant : il faut {refusal}.")
            return amendments_page(request, convention, form=form, status=409)
        else:
            messages.success(
                request,
                f"L'{amendment.label.lower()} est ouvert : le contenu de la convention peut être "
                "modifié jusqu'à ce qu'il soit prêt pour signature.",
            )
            return to_amendment(amendment)
    return amendments_page(request, convention, form=form, status=422)


# One avenant


def amendment_page(request, convention, amendment, *, status=200, **forms_given):
    draft = amendment.is_draft
    document = getattr(amendment, "frozen_document", None)
    writer = convention.user_can_edit and draft
    articles = list(amendment.articles.all())
    for article in articles:
        article.form = ArticleForm(
            instance=article, amendment=amendment, prefix=f"article-{article.pk}"
        )
        if forms_given.get("article_form") and forms_given["article_form"].instance == article:
            article.form = forms_given["article_form"]
    new_article = forms_given.get("new_article_form") or ArticleForm(
        amendment=amendment, prefix="nouvel-article", initial={"number": len(articles) + 1}
    )
    changes = amendments.changes(amendment)
    context = workspace(
        convention,
        "documents",
        amendment=amendment,
        articles=articles,
        changes=changes,
        deliberations=list(amendment.deliberations.select_related("party__organisation")),
        missing=amendments.missing_for_ready(amendment, changed=changes) if draft else [],
        writer=writer,
        form=forms_given.get("form") or AmendmentForm(instance=amendment),
        new_article_form=new_article,
        can_reopen=convention.user_can_edit and amendment.status == Amendment.Status.READY,
        notices=list(convention.notices.filter(recipient=request.user)[:10]),
        **signing_context(
            request,
            document,
            ready=amendment.status == Amendment.Status.READY,
            decline_form=forms_given.get("decline_form"),
        ),
    )
    return render(request, "conventions/amendments/detail.html", context, status=status)


@convention_view
@require_safe
def amendment_detail(request, convention, number):
    return amendment_page(request, convention, get_amendment(convention, number))


@convention_view(locked_ok=True)
@require_POST
def amendment_edit(request, convention, number):
    amendment = get_amendment(convention, number)
    check_draft(amendment)
    old_title = amendment.title
    form = AmendmentForm(request.POST, instance=amendment)
    if form.is_valid():
        amendments.retitle(form.save(), old_title)
        messages.success(request, f"L'{amendment.label.lower()} est enregistré.")
        return to_amendment(amendment)
    amendment.refresh_from_db()
    return amendment_page(request, convention, amendment, status=422, form=form)


@convention_view(locked_ok=True)
@require_POST
def amendment_article(request, convention, number, article_pk=None):
    """Add an article (no ``article_pk``), change one, or delete it ("supprimer")."""
    amendment = get_amendment(convention, number)
    check_draft(amendment)
    if article_pk is None:
        article, prefix, key = None, "nouvel-article", "new_article_form"
    else:
        article = get_object_or_404(AmendmentArticle, amendment=amendment, pk=article_pk)
        prefix, key = f"article-{article.pk}", "article_form"
        if "supprimer" in request.POST:
            article.delete()
            messages.success(request, f"L'article {article.number} est supprimé.")
            return to_amendment(amendment)
    form = ArticleForm(request.POST, instance=article, amendment=amendment, prefix=prefix)
    if form.is_valid():
        form.save()
        messages.success(request, f"L'article {form.instance.number} est enregistré.")
        return to_amendment(amendment)
    return amendment_page(request, convention, amendment, status=422, **{key: form})


STEPS = {
    "pret": (
        amendments.freeze,
        "L'{label} est prêt pour signature : son PDF est figé.",
        "Impossible de figer l'{label} : il manque {refusal}.",
    ),
    "brouillon": (
        amendments.reopen,
        "L'{label} est de nouveau en préparation.",
        "Impossible de reprendre l'{label} : {refusal}.",
    ),
    "abandon": (
        amendments.abandon,
        "L'{label} est abandonné.",
        "Impossible d'abandonner l'{label} : {refusal}.",
    ),
}


@convention_view(locked_ok=True)
@require_POST
def amendment_step(request, convention, number, target):
    amendment = get_amendment(convention, number)
    if target not in STEPS:
        raise Http404("Étape inconnue.")
    step, done, refused = STEPS[target]
    label = amendment.label.lower()
    try:
        step(amendment, user=request.user)
    except StepRefused as refusal:
        messages.error(request, refused.format(label=label, refusal=refusal))
    else:
        messages.success(request, done.format(label=label))
        if target == "abandon":
            return redirect("conventions:amendment-list", convention.pk)
    return to_amendment(amendment)


# Documents


@convention_view
@require_safe
def amendment_preview(request, convention, number):
    from . import amendment_document

    amendment = get_amendment(convention, number)
    return HttpResponse(amendment_document.render_html(amendment, preview=True))


@convention_view
@require_safe
def amendment_pdf(request, convention, number):
    """The avenant as frozen, with every signature made so far; in preparation, a draft
    rendered now."""
    from . import amendment_document, signing

    amendment = get_amendment(convention, number)
    name = f"{base_name(convention)}-avenant-{amendment.number}"
    document = getattr(amendment, "frozen_document", None)
    if document is None:
        return pdf_bytes_response(amendment_document.render_pdf(amendment), f"{name}-projet")
    try:
        data = signing.latest_pdf(document)
    except signing.SigningError as error:
        messages.error(request, str(error))
        return amendment_page(request, convention, amendment, status=409)
    signed = amendment.status == Amendment.Status.SIGNED
    return pdf_bytes_response(data, f"{name}-{'signe' if signed else 'fige'}")


@convention_view
@require_safe
def version_download(request, convention, number):
    """The consolidated text of the convention as an avenant left it."""
    version = get_object_or_404(
        ConventionVersion.objects.exclude(file=""), convention=convention, number=number
    )
    return pdf_response(version, f"{base_name(convention)}-texte-consolide-{number}")
