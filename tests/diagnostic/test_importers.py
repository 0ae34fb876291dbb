"""Imports of observations from Cafdata, INSEE and long-format files (diagnostic.importers),
from the workspace's import pages and from the admin.

The sample files (tests/diagnostic/samples/) are small and made up, for communes of Jura
Nord; a bad file is refused whole, every bad line reported in French with its number in
the file, the header being line 1.
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse
from django.utils.html import escape

from conventions.models import Territory
from diagnostic import importers, views_imports
from diagnostic.importers.cafdata import ALL_MASKED_NOTE, MASKED_NOTE
from diagnostic.importers.files import parse_reference
from diagnostic.importers.plan import LineError
from diagnostic.models import Indicator, Observation
from tests.factories import ObservationFactory, TerritoryFactory
from tests.imports import import_url

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"
EPCI, JURA, FRAISANS, ORCHAMPS, DAMPIERRE, SALANS, MOISSEY = (
    "243900560",
    "39",
    "39235",
    "39396",
    "39190",
    "39498",
    "39335",
)


def rows(name):
    path = SAMPLES / name
    return importers.read_file(content=path.read_bytes(), filename=path.name)


def run(source, name, scope=None):
    return importers.import_observations(source=source, rows=rows(name), scope=scope)


def value(indicator, territory, year):
    return Observation.objects.get(
        indicator__code=indicator, territory__code=territory, year=year
    ).value


def observation(indicator, territory, year):
    return Observation.objects.get(indicator__code=indicator, territory__code=territory, year=year)


def messages(plan):
    return [str(error) for error in plan.sorted_errors()]


def table(*lines):
    """Lines of cells, numbered from 1 as ``read_file`` gives them."""
    return list(enumerate(lines, start=1))


# --- Cafdata --------------------------------------------------------------------------------


def test_cafdata_sample_stores_each_commune_and_the_epci_sum(demo):
    plan = run("caf", "cafdata_communes.csv")

    assert plan.written
    assert value("alloc_nb", FRAISANS, 2022) == 310
    assert observation("alloc_nb", FRAISANS, 2022).date == datetime.date(2022, 12, 31)
    assert value("alloc_pers_couv", ORCHAMPS, 2021) == 550
    # 4 of the 32 communes of Jura Nord are in the file (Moissey is not a member).
    epci = observation("alloc_nb", EPCI, 2022)
    assert epci.value == 310 + 205 + 255 + 105
    assert epci.note == "Minimum : 28 communes absentes du fichier sur 32 (secret statistique)."
    assert value("alloc_nb", MOISSEY, 2022) == 55


def test_cafdata_masked_cell_is_stored_without_value_and_makes_the_sum_a_minimum(demo):
    plan = run("caf", "cafdata_communes.csv")

    dampierre = observation("alloc_rsa", DAMPIERRE, 2021)  # an empty cell
    salans = observation("alloc_rsa", SALANS, 2021)  # « * »
    assert (dampierre.value, dampierre.note) == (None, MASKED_NOTE)
    assert (salans.value, salans.note) == (None, MASKED_NOTE)
    epci = observation("alloc_rsa", EPCI, 2021)
    assert epci.value == 25 + 15
    assert epci.note == (
        "Minimum : 2 communes masquées et 28 communes absentes du fichier sur 32 "
        "(secret statistique)."
    )
    assert any("2 cellules masquées (secret statistique)" in r for r in plan.all_remarks())


def test_cafdata_lines_without_a_commune_or_of_unknown_communes_are_ignored_and_said(demo):
    """A Cafdata file covers France or a département: lines of households abroad (99999),
    of an unknown commune (XXXXX) and of communes the application does not know (Dole,
    Besançon) are ignored, not errors."""
    plan = run("caf", "cafdata_communes.csv")

    assert plan.written
    remarks = plan.all_remarks()
    assert (
        "3 lignes sans commune (code 99999 : allocataires résidant à l'étranger, XXXXX : "
        "commune de résidence inconnue, ou code vide) : ignorée(s)."
    ) in remarks
    assert (
        "3 lignes de territoires que l'application ne connaît pas (25056, 39198) : "
        "ignorée(s). Un fichier national ou départemental en compte beaucoup ; seuls les "
        "territoires enregistrés sont lus."
    ) in remarks
    assert not Observation.objects.filter(territory__code__in=["99999", "39198", "25056"])


def test_cafdata_names_the_member_communes_the_file_lacks(demo):
    plan = run("caf", "cafdata_communes.csv", scope=importers.scope_of(convention=demo))

    (remark,) = [
        r for r in plan.all_remarks() if r.startswith("Communauté de communes Jura Nord (2022)")
    ]
    assert remark.startswith(
        "Communauté de communes Jura Nord (2022) : 28 communes membres absentes du fichier "
        "(Brans, Courtefontaine, Dammartin-Marpain, Étrepigney, Évans, Gendrey, La Barre, "
    )
    assert remark.endswith(" …) ; ses sommes sont des minimums (note sur l'observation).")
    assert "Fraisans" not in remark and "Moissey" not in remark


def test_cafdata_file_saved_by_a_spreadsheet_is_read(demo):
    """Windows-1252, upper-case column names, French dates and decimal commas, and two
    dates in one year: the year's observation is that of its latest date."""
    plan = run("caf", "cafdata_tableur.csv")

    assert plan.written
    assert observation("alloc_nb", FRAISANS, 2022).value == 310  # December, not June
    assert observation("alloc_nb", FRAISANS, 2022).date == datetime.date(2022, 12, 31)
    assert value("alloc_pers_couv", "39219", 2022) == 250  # « 250,0 », Évans
    assert value("alloc_nb", EPCI, 2022) == 310 + 205 + 255 + 105 + 170 + 95
    assert value("caf_foy_cmg", EPCI, 2022) == 25 + 15 + 20 + 5 + 10 + 5
    assert (
        "2022 : 2 lignes d'une date antérieure au 31/12/2022 ignorée(s) ; l'observation de "
        "l'année est celle de sa date la plus récente dans le fichier."
    ) in plan.all_remarks()


def test_cafdata_masked_cell_never_replaces_a_stored_value(demo):
    indicator = Indicator.objects.get(code="alloc_rsa")
    dampierre = Territory.objects.get(code=DAMPIERRE)
    ObservationFactory(indicator=indicator, territory=dampierre, year=2021, value=12)

    plan = run("caf", "cafdata_communes.csv")

    assert value("alloc_rsa", DAMPIERRE, 2021) == 12
    kept = [change for change in plan.changes() if change.kind == "kept"]
    assert [(c.territory.code, c.year, c.value) for c in kept] == [(DAMPIERRE, 2021, 12)]


def test_cafdata_shares_are_computed_for_the_commune_never_summed(demo):
    plan = run("caf", "cafdata_communes.csv")

    assert value("alloc_part_asf", FRAISANS, 2022) == Decimal("8.0645")  # 25 / 310
    epci_shares = Observation.objects.filter(indicator__code="alloc_part_asf", territory__code=EPCI)
    assert not epci_shares.filter(year__in=[2021, 2022])
    assert any(
        "non calculée pour Communauté de communes Jura Nord (2022)" in remark
        for remark in plan.all_remarks()
    )


@pytest.fixture
def small_epci():
    """An EPCI of two communes, all of them in the file below."""
    epci = TerritoryFactory(code="200000099", name="CC des Essais")
    epci.communes.add(
        TerritoryFactory(kind="commune", code="99001", name="Alpha"),
        TerritoryFactory(kind="commune", code="99002", name="Bêta"),
    )
    return epci


SMALL_FILE = table(
    ["dtreffre", "numcomdo", "indfoy_ndur", "indfoy_asf", "indfoy_cmg"],
    ["2022-12-31", "99001", "200", "10", "12"],
    ["31/12/2022", "99002", "100", "20", "8"],
)


def test_cafdata_share_of_a_complete_epci_is_recomputed_from_its_sums(small_epci):
    plan = importers.import_observations(source="caf", rows=SMALL_FILE)

    assert plan.written
    sums = Observation.objects.filter(territory=small_epci, year=2022)
    assert {o.indicator.code: (o.value, o.note) for o in sums} == {
        "alloc_nb": (300, ""),
        "alloc_asf": (30, ""),
        "caf_foy_cmg": (20, ""),
        "alloc_part_asf": (Decimal("10"), ""),  # 30 / 300, not 5 % + 20 %
    }


def test_cafdata_creates_missing_indicators_with_their_source_and_theme(small_epci):
    importers.import_observations(source="caf", rows=SMALL_FILE)

    created = Indicator.objects.get(code="caf_foy_cmg")
    assert (created.unit, created.source, created.theme) == ("count", "caf", "petite_enfance")
    assert created.label == "Foyers percevant le complément mode de garde (CMG)"


def test_cafdata_never_sums_an_indicator_that_is_a_percentage(small_epci):
    Indicator.objects.update_or_create(
        code="alloc_asf",
        defaults={"label": "Part ASF", "unit": Indicator.Unit.PERCENT, "source": "caf"},
    )

    plan = importers.import_observations(source="caf", rows=SMALL_FILE)

    assert plan.written
    assert not Observation.objects.filter(territory=small_epci, indicator__code="alloc_asf")
    assert value("alloc_asf", "99001", 2022) == 10  # the communes keep theirs
    assert any("« Part ASF » est un pourcentage" in remark for remark in plan.all_remarks())


def test_cafdata_epci_whose_communes_are_all_masked_gets_a_note(small_epci):
    lines = table(
        ["dtreffre", "numcomdo", "indfoy_ndur", "indfoy_asf"],
        ["2022-12", "99001", "200", "*"],
        ["2022-12", "99002", "100", "s"],
    )

    importers.import_observations(source="caf", rows=lines)

    epci = observation("alloc_asf", "200000099", 2022)
    assert (epci.value, epci.note) == (None, ALL_MASKED_NOTE)


def test_cafdata_older_files_with_upper_case_columns_are_read(small_epci):
    lines = table(
        ["NUMCOM", "NOMCOM", "DTREFFRE", "INDFOY_NDUR"],
        ["99001", "Alpha", "31/12/2019", "40"],
        ["99002", "Bêta", "31/12/2019", "20"],
    )

    importers.import_observations(source="caf", rows=lines)

    assert observation("alloc_nb", "200000099", 2019).value == 60


@pytest.mark.parametrize(
    ("written", "year", "date"),
    [
        ("202212", 2022, datetime.date(2022, 12, 31)),  # as data.caf.fr exports it
        (202206, 2022, datetime.date(2022, 6, 30)),  # the same, typed as a number
        ("2022-12", 2022, datetime.date(2022, 12, 31)),
        ("2022-12-01", 2022, datetime.date(2022, 12, 1)),
        ("31/12/2022", 2022, datetime.date(2022, 12, 31)),
        ("11/2022", 2022, datetime.date(2022, 11, 30)),
        ("2022", 2022, None),
        (datetime.datetime(2022, 12, 31, 0, 0), 2022, datetime.date(2022, 12, 31)),
    ],
)
def test_cafdata_reference_dates(written, year, date):
    assert parse_reference(written) == (year, date)


@pytest.mark.parametrize("written", ["2022-13", "202213", "décembre 2022", "", "31/02/2022"])
def test_cafdata_bad_reference_date_is_explained(written):
    with pytest.raises(ValueError, match="n'est pas une date de référence"):
        parse_reference(written)


# --- INSEE ----------------------------------------------------------------------------------


def test_insee_sample_reads_years_from_the_column_prefixes(demo):
    plan = run("insee", "insee_comparateur_2021.csv")

    assert plan.written
    assert value("pop_total", EPCI, 2021) == 12000
    assert value("pop_total", EPCI, 2015) == 11500  # P15_POP in the same file
    assert value("pop_total", JURA, 2021) == 259000
    assert value("pop_0_14", FRAISANS, 2021) == 240
    assert value("pop_75_plus", ORCHAMPS, 2021) == 80
    assert value("men_total", EPCI, 2021) == 5010  # C21_MEN preferred to P21_MEN
    assert value("men_fam_mono", EPCI, 2021) == 400
    assert plan.ignored_columns == ["P21_MEN", "SUPERF", "MED21"]


def test_insee_workbook_with_another_census_and_a_title_above_the_header(demo):
    plan = run("insee", "insee_comparateur_2016.xlsx")

    assert plan.written
    assert value("pop_total", EPCI, 2016) == 11300
    assert value("pop_0_14", EPCI, 2016) == Decimal("2286.9745")
    assert value("pop_total", JURA, 2016) == 260000  # 39 typed as a number
    assert value("men_total", FRAISANS, 2016) == 480


def test_insee_territories_the_application_does_not_know_are_ignored_and_said(demo):
    lines = table(
        ["CODGEO", "LIBGEO", "P21_POP"],
        [FRAISANS, "Fraisans", "1200"],
        ["39198", "Dole", "23500"],
        ["25056", "Besançon", "119200"],
    )

    plan = importers.import_observations(source="insee", rows=lines)

    assert plan.written and value("pop_total", FRAISANS, 2021) == 1200
    assert (
        "2 lignes de territoires que l'application ne connaît pas (25056, 39198) : ignorée(s). "
        "Un fichier national ou départemental en compte beaucoup ; seuls les territoires "
        "enregistrés sont lus."
    ) in plan.all_remarks()


def test_insee_creates_the_age_bands(demo):
    run("insee", "insee_comparateur_2021.csv")

    bands = Indicator.objects.filter(code__startswith="pop_").exclude(code="pop_total")
    assert {(i.code, i.unit, i.source, i.theme) for i in bands} == {
        (code, "count", "insee", "population")
        for code in ("pop_0_14", "pop_15_29", "pop_30_44", "pop_45_59", "pop_60_74", "pop_75_plus")
    }


def test_insee_reimport_updates_and_counts_unchanged(demo):
    run("insee", "insee_comparateur_2021.csv")

    plan = importers.plan_import(source="insee", rows=rows("insee_comparateur_2021.csv"))

    assert plan.counts == {"new": 0, "update": 0, "unchanged": plan.counts["unchanged"], "kept": 0}
    assert plan.counts["unchanged"] == 4 * 11


# --- The long format ------------------------------------------------------------------------


def test_long_sample_stores_each_observation(demo):
    plan = run("long", "observations_long.csv")

    assert plan.written
    assert value("pop_total", EPCI, 2021) == 12000
    assert value("pop_total", FRAISANS, 2021) == 1200
    assert value("alloc_nb", EPCI, 2021) == 1650  # « 1 650 »
    assert value("alloc_taux_couv", EPCI, 2021) == Decimal("45.5")  # « 45,5 »
    note_only = observation("alloc_asf", ORCHAMPS, 2021)
    assert (note_only.value, note_only.note) == (None, "secret statistique")


def test_long_import_keeps_a_history_of_each_change(demo):
    user = User.objects.get(username="epci-jura-nord")
    run("long", "observations_long.csv")

    lines = table(["indicator", "territory", "year", "value"], ["pop_total", EPCI, "2021", "12100"])
    importers.import_observations(source="long", rows=lines, user=user, reason="Correction")

    history = observation("pop_total", EPCI, 2021).history.order_by("history_id")
    assert [(h.history_type, h.value, h.history_change_reason) for h in history] == [
        ("+", Decimal("12000"), "Import : Format long de l'application"),
        ("~", Decimal("12100"), "Correction"),
    ]
    assert history.last().history_user == user


def test_one_import_that_creates_and_updates_writes_the_history_of_each(demo):
    user = User.objects.get(username="caf-jura")
    lines = table(
        ["indicator", "territory", "year", "value", "note"],
        ["pop_total", FRAISANS, "2021", "1200", ""],
        ["pop_total", ORCHAMPS, "2021", "1000", ""],
    )
    importers.import_observations(source="long", rows=lines[:2])
    lines[1] = (2, ["pop_total", FRAISANS, "2021", "1210", "estimation"])

    plan = importers.import_observations(source="long", rows=lines, user=user, reason="Mise à jour")

    assert plan.counts == {"new": 1, "update": 1, "unchanged": 0, "kept": 0}
    latest = {
        code: observation("pop_total", code, 2021).history.latest("history_id")
        for code in (FRAISANS, ORCHAMPS)
    }
    assert [
        (h.history_type, h.value, h.note, h.history_change_reason, h.history_user)
        for h in latest.values()
    ] == [
        ("~", Decimal("1210"), "estimation", "Mise à jour", user),
        ("+", Decimal("1000"), "", "Mise à jour", user),
    ]
    assert observation("pop_total", FRAISANS, 2021).history.count() == 2


# --- Bad files ------------------------------------------------------------------------------


BAD_FILES = {
    ("caf", "cafdata_bad.csv"): [
        "Ligne 5, colonne « indfoy_ndur » : « douze » n'est pas un nombre.",
        "Ligne 6, colonne « indfoy_asf » : « -5 » : un effectif ne peut pas être négatif.",
        "Ligne 7 : la commune 39235 figure déjà à la ligne 3 au 31/12/2022.",
        "Ligne 8, colonne « dtreffre » : « déc. 2022 » n'est pas une date de référence "
        "(AAAAMM, AAAA-MM ou JJ/MM/AAAA).",
        "Ligne 9, colonne « numcomdo » : « 39A35 » n'est pas un code commune (5 caractères).",
    ],
    ("caf", "cafdata_missing_column.csv"): [
        "Ligne 1 : colonne « dtreffre » absente (date de référence).",
    ],
    ("insee", "insee_bad.csv"): [  # line 3, a territory the application does not know: ignored
        "Ligne 4, colonne « P21_POP » : « mille » n'est pas un nombre.",
        "Ligne 5 : le territoire 39235 figure déjà à la ligne 2.",
        "Ligne 6, colonne « CODGEO » : code géographique absent.",
    ],
    ("insee", "insee_missing_column.csv"): [
        "Ligne 1 : colonne « CODGEO » absente (code géographique).",
    ],
    ("long", "observations_long_bad.csv"): [
        "Ligne 3, colonne « indicator » : Indicateur « indicateur_inconnu » inconnu.",
        "Ligne 4, colonne « territory » : Territoire « 99999 » inconnu.",
        "Ligne 5, colonne « value » : « beaucoup » n'est pas un nombre.",
        "Ligne 6 : observation en double : déjà à la ligne 2.",
        "Ligne 7, colonne « value » : Une observation a une valeur ou une note.",
    ],
    ("long", "observations_long_missing_column.csv"): ["Ligne 1 : colonne « value » absente."],
}


@pytest.mark.parametrize(("source", "name"), BAD_FILES)
def test_bad_file_reports_every_bad_line_in_french_and_writes_nothing(demo, source, name):
    before = Observation.objects.count(), Indicator.objects.count()

    plan = run(source, name)

    assert messages(plan) == BAD_FILES[source, name]
    assert not plan.written
    assert (Observation.objects.count(), Indicator.objects.count()) == before


def test_unreadable_workbook_is_refused_with_a_message():
    with pytest.raises(importers.FileError, match="n'est pas un classeur XLSX lisible"):
        importers.read_file(content=b"not a workbook", filename="donnees.xlsx")


# --- The workspace --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def pending_dir(tmp_path, monkeypatch):
    """Files waiting for their confirmation go to a folder of the test."""
    monkeypatch.setattr(views_imports, "PENDING_DIR", tmp_path / "imports")
    return tmp_path / "imports"


def login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def upload(client, convention, source, name):
    with open(SAMPLES / name, "rb") as sample:
        return client.post(
            reverse("diagnostic:import", args=[convention.pk]), {"source": source, "file": sample}
        )


def test_import_page_shows_the_form_to_an_editor(client, demo):
    response = login(client, "epci-jura-nord").get(reverse("diagnostic:import", args=[demo.pk]))

    assert response.status_code == 200
    assert b'name="file"' in response.content
    assert "Fichier Cafdata par commune" in response.content.decode()


@pytest.mark.parametrize(
    ("username", "status"), [("epci-coteaux", 404), ("lecteur-jura-nord", 403)]
)
@pytest.mark.parametrize("name", ["diagnostic:import", "diagnostic:import-confirm"])
def test_outsider_gets_404_and_reader_403(client, demo, username, status, name):
    login(client, username)

    assert client.get(reverse(name, args=[demo.pk])).status_code == status
    assert client.post(reverse(name, args=[demo.pk]), {"token": "x"}).status_code == status


def test_reader_cannot_upload(client, demo):
    before = Observation.objects.count()

    response = upload(login(client, "lecteur-jura-nord"), demo, "caf", "cafdata_communes.csv")

    assert response.status_code == 403
    assert Observation.objects.count() == before


def test_preview_shows_what_changes_by_territory_without_writing(client, demo):
    before = Observation.objects.count()

    response = upload(login(client, "epci-jura-nord"), demo, "caf", "cafdata_communes.csv")

    assert response.status_code == 200
    assert Observation.objects.count() == before
    plan = response.context["plan"]
    counts = {c.territory.code: (c.new, c.update) for c in plan.by_territory()}
    assert counts[EPCI] == (2 * 5, 0)  # 5 sums a year; no share, some communes are absent
    assert counts[FRAISANS] == (2 * (5 + 3), 0)
    assert MOISSEY not in counts  # not a commune of the convention
    page = response.content.decode()
    assert "À créer" in page and "Confirmer l'import" in page
    assert "2 lignes ignorées : territoires hors de la convention (Moissey)." in page
    assert response.context["token"]


def test_the_tab_imports_only_the_conventions_own_territories_not_its_departement(client, demo):
    """Département figures are shared by every convention of the département, signed ones
    included: they are imported through the back-office, never from one convention's tab."""
    response = upload(login(client, "epci-jura-nord"), demo, "insee", "insee_comparateur_2021.csv")

    counts = {c.territory.code for c in response.context["plan"].by_territory()}
    assert EPCI in counts and FRAISANS in counts
    assert "39" not in counts
    assert "territoires hors de la convention" in response.content.decode()
    assert "(Jura" in response.content.decode()


def test_confirm_writes_what_the_preview_showed(client, demo, pending_dir):
    login(client, "epci-jura-nord")
    preview = upload(client, demo, "caf", "cafdata_communes.csv")
    created = preview.context["plan"].counts["new"]
    before = Observation.objects.count()

    response = client.post(
        reverse("diagnostic:import-confirm", args=[demo.pk]), {"token": preview.context["token"]}
    )

    assert response.status_code == 302
    assert response.url == reverse("diagnostic:tab", args=[demo.pk])
    assert Observation.objects.count() == before + created
    assert value("alloc_nb", FRAISANS, 2022) == 310
    assert not Observation.objects.filter(territory__code=MOISSEY)
    assert not any(pending_dir.iterdir())  # the file waited for this confirmation only
    again = client.post(
        reverse("diagnostic:import-confirm", args=[demo.pk]), {"token": preview.context["token"]}
    )
    assert again.url == reverse("diagnostic:import", args=[demo.pk])  # used once only


def test_file_that_is_not_a_workbook_is_refused_at_the_form(client, demo):
    login(client, "epci-jura-nord")
    response = upload(client, demo, "insee", "insee_bad.csv")  # a real file...
    assert response.status_code == 422  # ...with bad lines

    with open(SAMPLES / "insee_comparateur_2016.xlsx", "rb") as workbook:
        response = client.post(
            reverse("diagnostic:import", args=[demo.pk]),
            {"source": "insee", "file": ("donnees.csv", workbook.read())},
        )
    assert response.status_code == 422


def test_another_session_cannot_confirm_a_preview(client, demo, django_user_model):
    login(client, "epci-jura-nord")
    token = upload(client, demo, "long", "observations_long.csv").context["token"]
    before = Observation.objects.count()
    login(client, "caf-jura")  # a new session

    response = client.post(reverse("diagnostic:import-confirm", args=[demo.pk]), {"token": token})

    assert response.url == reverse("diagnostic:import", args=[demo.pk])
    assert Observation.objects.count() == before


# --- The admin ------------------------------------------------------------------------------


def admin_upload(client, resource, name, step="import", data=None):
    path = SAMPLES / name
    with open(path, "rb") as sample:
        return client.post(
            import_url(Observation, step),
            data or {"resource": resource, "format": "0", "import_file": sample},
        )


def test_admin_imports_every_territory_of_a_cafdata_file(admin_client, demo):
    preview = admin_upload(admin_client, "1", "cafdata_communes.csv")

    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_validation_errors()
    assert result.totals["new"] > 0 and not Observation.objects.filter(territory__code=MOISSEY)
    confirm = preview.context["confirm_form"].initial
    response = admin_client.post(import_url(Observation, "process_import"), confirm)

    assert response.status_code == 302
    assert value("alloc_nb", EPCI, 2022) == 875
    assert value("alloc_nb", MOISSEY, 2022) == 55  # the admin imports every territory


ADMIN_RESOURCES = {"long": "0", "caf": "1", "insee": "2"}  # ObservationAdmin.resource_classes
GOOD_FILES = {
    "long": ("observations_long.csv", ("alloc_nb", EPCI, 2021, 1650)),
    "caf": ("cafdata_communes.csv", ("alloc_nb", EPCI, 2022, 875)),
    "insee": ("insee_comparateur_2021.csv", ("pop_0_14", EPCI, 2021, 2300)),
}


@pytest.mark.parametrize("source", GOOD_FILES)
def test_admin_previews_each_format_then_imports_it_on_confirmation(admin_client, demo, source):
    name, (indicator, territory, year, expected) = GOOD_FILES[source]
    before = Observation.objects.count()

    preview = admin_upload(admin_client, ADMIN_RESOURCES[source], name)

    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_validation_errors() and result.totals["new"] > 0
    assert Observation.objects.count() == before  # a preview writes nothing
    confirm = preview.context["confirm_form"].initial
    response = admin_client.post(import_url(Observation, "process_import"), confirm)

    assert response.status_code == 302
    assert Observation.objects.count() == before + result.totals["new"]
    assert value(indicator, territory, year) == expected


@pytest.mark.parametrize(("source", "name"), BAD_FILES)
def test_workspace_preview_of_a_bad_file_lists_every_bad_line_and_writes_nothing(
    client, demo, source, name
):
    before = Observation.objects.count(), Indicator.objects.count()

    response = upload(login(client, "epci-jura-nord"), demo, source, name)

    assert response.status_code == 422
    page = response.content.decode()
    shown = re.findall(r"<li>(Ligne \d+.*?)</li>", page)
    assert shown == [escape(message) for message in BAD_FILES[source, name]]
    assert "import-confirm" not in page and not response.context["token"]
    assert (Observation.objects.count(), Indicator.objects.count()) == before


@pytest.mark.parametrize(("source", "name"), BAD_FILES)
def test_admin_preview_of_a_bad_file_lists_every_bad_line_and_writes_nothing(
    admin_client, demo, source, name
):
    before = Observation.objects.count(), Indicator.objects.count()

    preview = admin_upload(admin_client, ADMIN_RESOURCES[source], name)

    invalid = preview.context["result"].invalid_rows
    reported = [
        str(LineError(row.number, message, "" if column == NON_FIELD_ERRORS else column))
        for row in invalid
        for column, messages in row.error_dict.items()
        for message in messages
    ]
    assert sorted(reported) == sorted(BAD_FILES[source, name])
    assert "confirm_form" not in preview.context
    assert (Observation.objects.count(), Indicator.objects.count()) == before
