"""The signing pages: the signatures of a convention (sign, decline, upload the copy signed
by hand), its stored PDFs, and the verification of any PDF.

``conventions.signing`` does the work; it is imported when needed, as it loads pyHanko.
Stored PDFs are served here only, through ``convention_view`` (the users who may read the
convention). Signing is open to the signatory's own user, and in the demo to an editor of
their organisation (``CTG_SIGNING_ON_BEHALF``): ``signing_view`` checks it.
"""

from dataclasses import dataclass
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .access import convention_view, get_convention, workspace
from .models import Convention, ReferenceCopy, Signature
from .parts import AccessibleErrorsMixin

NOT_A_SIGNER = "Vous ne signez pour aucun signataire de cette convention."


def upload_help():
    limit = settings.CTG_UPLOAD_MAX_BYTES / 1024 / 1024
    return f"Un fichier PDF de {limit:.0f} Mo au plus."


class DeclineForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(
        label="Motif du refus",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Il est communiqué aux rédacteurs des parties.",
    )


class ScanForm(AccessibleErrorsMixin, forms.Form):
    file = forms.FileField(label="Exemplaire signé à la main, scanné (PDF)")
    note = forms.CharField(label="Note", required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = upload_help()
        self.fields["file"].widget.attrs["accept"] = "application/pdf"


class VerifyForm(AccessibleErrorsMixin, forms.Form):
    file = forms.FileField(label="PDF à vérifier")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = upload_help()
        self.fields["file"].widget.attrs["accept"] = "application/pdf"


def signing_view(view):
    """Load the convention (404 outside the user's scope); 403 unless the user may sign for
    one of its signatories."""

    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        from . import signing

        convention = get_convention(request, pk)
        if not signing.may_sign_in(request.user, convention):
            raise PermissionDenied(NOT_A_SIGNER)
        return view(request, convention, *args, **kwargs)

    return wrapper


@dataclass
class Row:
    signature: Signature
    acts: str | None  # "self", "behalf" or None: what the user may do for this signatory
    is_next: bool
    decline_form: DeclineForm | None


def decline_prefix(signature):
    return f"refus-{signature.pk}"


def signatures_page(request, convention, *, status=200, decline_form=None, scan_form=None):
    """The signatures page; ``decline_form`` (bound, with errors) replaces its row's form."""
    from . import signing

    document = convention.frozen_documents.first()
    signatures = signing.signatures_of(document) if document else []
    ready = convention.status == Convention.Status.READY
    next_ones = {s.pk for s in signing.next_to_sign(document, signatures)} if ready else set()
    rows = []
    for signature in signatures:
        acts = None
        if ready and not signature.is_signed:
            acts = signing.acts_for(request.user, signature.signatory)
        form = None
        if acts:
            form = DeclineForm(prefix=decline_prefix(signature))
            if decline_form is not None and decline_form.prefix == form.prefix:
                form = decline_form
        rows.append(Row(signature, acts, signature.pk in next_ones, form))
    context = workspace(
        convention,
        "documents",
        document=document,
        rows=rows,
        ready=ready,
        sequential=document.sequential if document else settings.CTG_SIGNING_ORDER == "sequential",
        latest=(sorted_by_time(signatures) or [None])[-1],
        copies=list(convention.reference_copies.select_related("uploaded_by")),
        notices=list(convention.notices.filter(recipient=request.user)[:10]),
        missing_keys=[
            s.signatory.person
            for s in signatures
            if not s.is_signed and not signing.has_key(s.signatory.person)
        ],
        scan_form=scan_form or ScanForm(),
        can_upload=ready and convention.user_can_edit,
    )
    return render(request, "conventions/sign.html", context, status=status)


def sorted_by_time(signatures):
    """The signatures made, in the order they were made."""
    return sorted((s for s in signatures if s.is_signed), key=lambda s: (s.signed_at, s.pk))


def back_to_signatures(convention):
    return redirect("conventions:signature-list", convention.pk)


@convention_view
@require_safe
def signature_list(request, convention):
    return signatures_page(request, convention)


@signing_view
@require_POST
def signature_sign(request, convention, signature_pk):
    from . import signing

    signature = get_object_or_404(Signature, document__convention=convention, pk=signature_pk)
    try:
        signature = signing.sign(signature=signature, user=request.user)
    except signing.SigningError as error:
        messages.error(request, f"Signature refusée : {error}")
    else:
        messages.success(request, f"La convention est signée pour {signature.signatory.person}.")
        convention.refresh_from_db()
        if convention.status == Convention.Status.SIGNED:
            messages.success(request, "Tous les signataires ont signé : la convention est signée.")
    return back_to_signatures(convention)


@signing_view
@require_POST
def signature_decline(request, convention, signature_pk):
    from . import signing

    signature = get_object_or_404(Signature, document__convention=convention, pk=signature_pk)
    form = DeclineForm(request.POST, prefix=decline_prefix(signature))
    if form.is_valid():
        try:
            signing.decline(
                signature=signature, user=request.user, reason=form.cleaned_data["reason"]
            )
        except signing.SigningError as error:
            messages.error(request, f"Refus non enregistré : {error}")
        else:
            messages.success(
                request, "Le refus est enregistré ; les rédacteurs des parties sont prévenus."
            )
        return back_to_signatures(convention)
    return signatures_page(request, convention, status=422, decline_form=form)


@convention_view(locked_ok=True)
@require_POST
def scan_upload(request, convention):
    from . import signing

    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            signing.upload_scan(
                convention=convention,
                user=request.user,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except signing.SigningError as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                "L'exemplaire signé à la main est enregistré comme exemplaire de référence : "
                "la convention est signée.",
            )
            return back_to_signatures(convention)
    return signatures_page(request, convention, status=422, scan_form=form)


def pdf_response(stored, name):
    with stored.file.open("rb") as file:
        data = file.read()
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{name}.pdf"
    )
    return response


def base_name(convention):
    return slugify(convention.short_title) or "convention"


@convention_view
@require_safe
def frozen_download(request, convention):
    document = convention.frozen_documents.first()
    if document is None:
        raise Http404("Cette convention n'est pas encore figée.")
    return pdf_response(document, f"{base_name(convention)}-figee")


@convention_view
@require_safe
def signed_download(request, convention):
    """The latest signed revision: every signature made so far."""
    signature = (
        Signature.objects.filter(document__convention=convention, status=Signature.Status.SIGNED)
        .order_by("-signed_at", "-pk")
        .first()
    )
    if signature is None:
        raise Http404("Personne n'a encore signé cette convention.")
    return pdf_response(signature, f"{base_name(convention)}-signee")


@convention_view
@require_safe
def signature_download(request, convention, signature_pk):
    """The PDF as it was right after one signature."""
    signature = get_object_or_404(
        Signature,
        document__convention=convention,
        status=Signature.Status.SIGNED,
        pk=signature_pk,
    )
    return pdf_response(signature, f"{base_name(convention)}-signature-{signature.order}")


@convention_view
@require_safe
def scan_download(request, convention, copy_pk):
    copy = get_object_or_404(ReferenceCopy, convention=convention, pk=copy_pk)
    return pdf_response(copy, f"{base_name(convention)}-exemplaire-scanne")


@require_http_methods(["GET", "POST"])
def verify(request):
    """Any logged-in user: is this PDF one of our conventions, are its signatures valid?"""
    from . import signing

    form = VerifyForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            data = signing.read_pdf_upload(form.cleaned_data["file"])
        except signing.SigningError as error:
            form.add_error("file", str(error))
        else:
            report = signing.verify(data=data)
    readable = set()
    if report and report.match:
        readable = set(
            Convention.objects.for_user(request.user)
            .filter(pk=report.match.convention.pk)
            .values_list("pk", flat=True)
        )
    context = {"form": form, "report": report, "readable": readable}
    return render(request, "conventions/verify.html", context, status=422 if form.errors else 200)
