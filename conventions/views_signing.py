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
PAPER_OWNER_ONLY = (
    "Seule la Caf qui porte la convention enregistre l'exemplaire signé à la main par les parties."
)


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
    every_party_signed = forms.BooleanField(
        label="Chaque partie a signé cet exemplaire à la main, dans chacune de ses cases",
        error_messages={"required": "Confirmez que chaque partie a signé l'exemplaire déposé."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = upload_help()
        self.fields["file"].widget.attrs["accept"] = "application/pdf"


class SignForm(forms.Form):
    """Signing is confirmed by typing one's password again."""

    password = forms.CharField(
        label="Votre mot de passe, pour confirmer",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "tapez votre mot de passe pour confirmer."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("mot de passe incorrect.")
        return password


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


def signing_context(request, document, *, ready, decline_form=None):
    """The signatories' rows of ``document`` (the convention's or an avenant's frozen PDF)
    and what the user may do in each; ``decline_form`` (bound, with errors) replaces its
    row's form."""
    from . import signing

    signatures = signing.signatures_of(document) if document else []
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
    return {
        "document": document,
        "pages": signed_pages(document) if any(row.acts for row in rows) else None,
        "rows": rows,
        "ready": ready,
        "sequential": document.sequential
        if document
        else settings.CTG_SIGNING_ORDER == "sequential",
        "latest": (sorted_by_time(signatures) or [None])[-1],
        "missing_keys": [
            s.signatory.person
            for s in signatures
            if not s.is_signed and not signing.has_key(s.signatory.person)
        ],
    }


def signed_pages(document):
    """The frozen PDF's page count, shown with its hash to whoever is about to sign it."""
    from . import signing

    with document.file.open("rb") as file:
        return signing.page_count(file.read())


def signatures_page(request, convention, *, status=200, decline_form=None, scan_form=None):
    ready = convention.status == Convention.Status.READY
    context = workspace(
        convention,
        "documents",
        **signing_context(
            request, convention.frozen_document, ready=ready, decline_form=decline_form
        ),
        copies=list(convention.reference_copies.select_related("uploaded_by")),
        notices=list(convention.notices.filter(recipient=request.user)[:10]),
        scan_form=scan_form or ScanForm(),
        can_upload=ready and convention.user_can_edit and convention.is_owned_by(request.user),
    )
    return render(request, "conventions/sign.html", context, status=status)


def sorted_by_time(signatures):
    """The signatures made, in the order they were made."""
    return sorted((s for s in signatures if s.is_signed), key=lambda s: (s.signed_at, s.pk))


def back_to_signatures(convention, signature=None):
    """The page that lists ``signature``: its avenant's page, or the convention's."""
    amendment = signature.document.amendment if signature else None
    if amendment is not None:
        return redirect("conventions:amendment-detail", convention.pk, amendment.number)
    return redirect("conventions:signature-list", convention.pk)


@convention_view
@require_safe
def signature_list(request, convention):
    return signatures_page(request, convention)


def signature_of(convention, pk):
    return get_object_or_404(
        Signature.objects.select_related("document__amendment"),
        document__convention=convention,
        pk=pk,
    )


@signing_view
@require_POST
def signature_sign(request, convention, signature_pk):
    from . import signing

    signature = signature_of(convention, signature_pk)
    subject = signature.document.amendment or convention
    form = SignForm(request.POST, user=request.user)
    if not form.is_valid():
        error = form.errors["password"][0]
        messages.error(request, f"Signature refusée : {error} Rien n'est signé.")
        return back_to_signatures(convention, signature)
    try:
        signing.sign(signature=signature, user=request.user)
    except signing.SigningError as error:
        messages.error(request, f"Signature refusée : {error}")
    else:
        subject.refresh_from_db()
        name = signing.subject_name(subject)
        feminine = subject is convention
        messages.success(
            request,
            f"{name} est signé{'e' if feminine else ''} pour {signature.signatory.person}.",
        )
        if subject.status == Convention.Status.SIGNED:
            messages.success(
                request,
                f"Tous les signataires ont signé : {name[0].lower()}{name[1:]} est "
                f"signé{'e' if feminine else ''}.",
            )
    return back_to_signatures(convention, signature)


@signing_view
@require_POST
def signature_decline(request, convention, signature_pk):
    from . import signing

    signature = signature_of(convention, signature_pk)
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
        return back_to_signatures(convention, signature)
    amendment = signature.document.amendment
    if amendment is not None:
        from .views_amendments import amendment_page

        return amendment_page(request, convention, amendment, status=422, decline_form=form)
    return signatures_page(request, convention, status=422, decline_form=form)


@convention_view(locked_ok=True)
@require_POST
def scan_upload(request, convention):
    """The copy signed by hand: recorded by the convention's owner (its Caf)."""
    from . import signing

    if not convention.is_owned_by(request.user):
        raise PermissionDenied(PAPER_OWNER_ONLY)
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
        return pdf_bytes_response(file.read(), name)


def pdf_bytes_response(data, name):
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
    document = convention.frozen_document
    if document is None:
        raise Http404("Cette convention n'est pas encore figée.")
    return pdf_response(document, f"{base_name(convention)}-figee")


@convention_view
@require_safe
def signed_download(request, convention):
    """The latest signed revision: every signature made so far."""
    signature = (
        Signature.objects.filter(
            document__convention=convention,
            document__amendment=None,
            status=Signature.Status.SIGNED,
        )
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
