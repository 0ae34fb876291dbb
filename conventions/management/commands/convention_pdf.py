"""Export conventions as PDF documents, for batch exports and archives:
``python manage.py convention_pdf 12 -o convention.pdf`` writes one convention,
``python manage.py convention_pdf --all -o exports/`` every one, with a progress display.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from conventions.models import Convention


class Command(BaseCommand):
    help = (
        "Enregistre une convention (ou toutes, avec --all) en PDF/A prêt à signer : "
        "convention_pdf <id> -o <fichier.pdf>, ou convention_pdf --all -o <dossier>."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "convention_id", nargs="?", type=int, help="Identifiant de la convention."
        )
        which.add_argument(
            "--all", action="store_true", dest="every", help="Toutes les conventions."
        )
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            type=Path,
            help="Le fichier PDF (une convention) ou le dossier (--all) à écrire.",
        )

    def handle(self, *args, convention_id=None, every=False, output, **options):
        from conventions import documents, scans  # loads WeasyPrint, only when exporting

        if every:
            conventions = list(Convention.objects.select_related("territory").order_by("pk"))
            if output.exists() and not output.is_dir():
                raise CommandError(f"{output} n'est pas un dossier.")
            output.mkdir(parents=True, exist_ok=True)
            targets = [(c, output / f"{c.pk}-{documents.filename(c)}") for c in conventions]
        else:
            convention = Convention.objects.select_related("territory").filter(pk=convention_id)
            if not convention:
                raise CommandError(f"Aucune convention n'a l'identifiant {convention_id}.")
            if output.is_dir():
                raise CommandError(f"{output} est un dossier : donnez le nom du fichier PDF.")
            targets = [(convention[0], output)]

        total = len(targets)
        width = len(str(total))
        started = time.perf_counter()
        for index, (convention, path) in enumerate(targets, start=1):
            self.stdout.write(f"[{index:>{width}}/{total}] {convention.short_title}… ", ending="")
            self.stdout.flush()
            begun = time.perf_counter()
            try:
                path.write_bytes(documents.render_pdf(convention=convention))
            except scans.ScanError as error:
                raise CommandError(f"{convention.short_title} : {error}") from None
            self.stdout.write(f"{path} ({time.perf_counter() - begun:.1f} s)")
        elapsed = time.perf_counter() - started
        plural = "s" if total > 1 else ""
        self.stdout.write(
            self.style.SUCCESS(f"{total} convention{plural} exportée{plural} en {elapsed:.1f} s.")
        )
