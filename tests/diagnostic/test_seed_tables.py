"""Every computed cell of the Jura Nord tables against the figure the seed prints there.

The seed's printed shares, evolutions and arrows are loaded as ``SourceFigure``s. Each is
compared here with the figure computed from the observations, at the printed precision.
The only disagreements allowed are the source's own errors listed in fixtures/README.md
("Printed figures that disagree with the data"): a new mismatch fails the test, and so
does a known error that stops being reported.
"""

from collections import Counter

import pytest

from diagnostic.computations import NBSP, agrees
from diagnostic.models import FundingAmount, SourceFigure
from diagnostic.tables import Origin, diagnostic_context

pytestmark = pytest.mark.django_db

# (table, indicator, column order): (printed, computed), from fixtures/README.md.
KNOWN_ERRORS = {
    # 1 496 / 4 858 = 30,8 %: "29,8 %" is a typo (100 − 30,8 = the printed 69,2).
    ("menages", "men_1pers", 2): ("29,8%", "30,8 %"),
    # Ménages avec famille: the source printed 100 − the share of one-person households.
    ("menages", "men_famille", 2): ("69,2%", "69,8 %"),
    ("menages", "men_famille", 4): ("70,1%", "70,4 %"),
    ("menages", "men_famille", 6): ("61,9%", "62,3 %"),
    ("menages", "men_famille", 8): ("63,5%", "63,8 %"),
    # Families with 1, 2, 3, 4+ children: printed as shares of their own sum, stored as
    # shares of "Couples avec enfants", the row they break down. Columns 2, 4, 6, 8: the
    # shares of CCJN 2016, CCJN 2011, Jura 2016, Jura 2011.
    ("menages", "men_fam_1enf", 2): ("40,5 %", "48,9 %"),
    ("menages", "men_fam_1enf", 4): ("40,0 %", "45,4 %"),
    ("menages", "men_fam_1enf", 6): ("42,5 %", "50,6 %"),
    ("menages", "men_fam_1enf", 8): ("42,9 %", "50,2 %"),
    ("menages", "men_fam_2enf", 2): ("40,3 %", "48,5 %"),
    ("menages", "men_fam_2enf", 4): ("39,3 %", "44,6 %"),
    ("menages", "men_fam_2enf", 6): ("39,6 %", "47,3 %"),
    ("menages", "men_fam_2enf", 8): ("39,1 %", "45,8 %"),
    ("menages", "men_fam_3enf", 2): ("14,8 %", "17,8 %"),
    ("menages", "men_fam_3enf", 4): ("16,1 %", "18,3 %"),
    ("menages", "men_fam_3enf", 6): ("14,4 %", "17,1 %"),
    ("menages", "men_fam_3enf", 8): ("14,3 %", "16,7 %"),
    ("menages", "men_fam_4enf_plus", 2): ("4,4 %", "5,3 %"),
    ("menages", "men_fam_4enf_plus", 4): ("4,5 %", "5,1 %"),
    ("menages", "men_fam_4enf_plus", 6): ("3,5%", "4,2 %"),
    ("menages", "men_fam_4enf_plus", 8): ("3,8 %", "4,4 %"),
    # Nombre d'Aides au Logement, Jura 2018: 18 574 / 41 113 = 45,2 %.
    ("prestations_par_type", "prest_nb_al", 4): ("45,6 %", "45,2 %"),
    # 210 → 216 over 2016-2018 is +1,4 %/year; the printed ▬ agrees with it, not with +19.
    ("assistants_maternels", "am_enf_moins3_gardes", 4): ("+19%", "+1,4 %"),
    # 25,8 → 23,6 gives −4,4 %; the source computed from 26,8 (= 109 / 407 × 100).
    ("assistants_maternels", "am_pour_100_enf_moins3", 4): ("-6,1%", "-4,4 %"),
    # Inputs printed with one decimal: the source computed from unrounded values.
    ("assistants_maternels", "am_nb_moyen_enf_moins3", 4): ("+5,8%", "+7,6 %"),
    ("assistants_maternels", "am_nb_moyen_enf_moins6", 4): ("+4,0%", "+4,9 %"),
    ("assistants_maternels", "am_salaire_horaire_net", 4): ("+4,5%", "+4,4 %"),
}
# Only the département's 2018 values are printed for the young children and the
# childminders: its yearly averages (column 7) and arrows (column 8) are the source's.
NOT_RECOMPUTABLE = {("jeunes_enfants", 7), ("jeunes_enfants", 8)} | {
    ("assistants_maternels", 7),
    ("assistants_maternels", 8),
}


@pytest.fixture
def diagnostic(demo):
    return diagnostic_context(demo)


def printed_cells(diagnostic):
    """(table key, indicator code, column order, cell) for every cell the seed prints."""
    for table in diagnostic["tables"]:
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                if cell.printed:
                    key = (table.table.key, row.row.indicator.code, column.column.order)
                    yield (*key, cell)


def plain(text):
    return text.replace(NBSP, " ")


def test_every_printed_figure_is_compared(demo, diagnostic):
    cells = list(printed_cells(diagnostic))
    figures = SourceFigure.objects.filter(row__table__section__convention=demo).count()
    notes = 8  # « 224, soit 16 % des aides »...: the shares printed in the logement table

    assert figures == 198
    assert len(cells) == figures + notes


def test_mismatches_are_exactly_the_known_source_errors(diagnostic):
    mismatches = {}
    for table, code, order, cell in printed_cells(diagnostic):
        if cell.from_source:
            continue
        checked = cell.value if cell.checked is None else cell.checked
        if not agrees(cell.printed, checked):
            mismatches[(table, code, order)] = (cell.printed, plain(cell.text))

    assert mismatches == KNOWN_ERRORS


def test_the_tables_flag_and_list_the_same_mismatches(diagnostic):
    flagged = {
        (table, code, order): (cell.printed, plain(cell.text))
        for table, code, order, cell in printed_cells(diagnostic)
        if cell.discrepancy
    }
    listed = [(item.printed, plain(item.computed)) for item in diagnostic["discrepancies"]]

    assert flagged == KNOWN_ERRORS
    assert Counter(listed) == Counter(KNOWN_ERRORS.values())


def test_the_figures_the_data_cannot_give_are_the_source_s(diagnostic):
    from_source = Counter(
        (table, order)
        for table, _code, order, cell in printed_cells(diagnostic)
        if cell.from_source
    )

    assert set(from_source) == NOT_RECOMPUTABLE
    assert sum(from_source.values()) == 2 * 10 + 2 * 14  # 10 and 14 rows
    for _table, _code, _order, cell in printed_cells(diagnostic):
        if cell.from_source:
            assert cell.text == cell.printed
            assert cell.origin == Origin.SOURCE


def test_the_seed_s_worked_examples(diagnostic):
    cells = {(t, c, o): plain(cell.text) for t, c, o, cell in printed_cells(diagnostic)}

    assert cells[("population", "pop_total", 3)] == "+2,50 %"  # 11 299 → 11 582
    assert cells[("population", "pop_total", 6)] == "-0,30 %"
    assert cells[("jeunes_enfants", "pe_enf_moins3", 4)] == "+2,5 %"  # 407 → 428
    assert cells[("jeunes_enfants", "pe_enf_moins3", 5)] == "↗"
    assert cells[("jeunes_enfants", "pe_part_premieres_naissances", 4)] == "-1,7 pt"
    assert cells[("jeunes_enfants", "pe_part_premieres_naissances", 5)] == "↘"
    assert cells[("revenus", "rev_total", 4)] == "100,0 %"
    assert cells[("logement_caf", "log_pers_couv_social", 1)] == "224, soit 16 %"


def test_every_funding_rate_printed_in_the_seed_is_found(demo, diagnostic):
    amounts = FundingAmount.objects.filter(funding__convention=demo).exclude(printed_rate="")

    assert amounts.count() == 32
    assert not [
        item for item in diagnostic["discrepancies"] if item.table.startswith("Financements")
    ]
    ram = next(f for f in diagnostic["blocks"].fundings if f.label == "RAM Jura Nord")
    assert plain(ram.display.cells[0]) == "22 865 € (27 %)"


def test_the_seed_s_inconsistent_data_is_warned_about(diagnostic):
    warnings = [plain(str(warning)) for warning in diagnostic["warnings"]]

    def about(*words):
        return [w for w in warnings if all(word in w for word in words)]

    # One-person households + households with a family exceed all households (4 888 > 4 858).
    assert about("Composition des ménages", "« Ménages (ensemble) »", "CCJN 2016 : 100,6 %")
    # The Jura's RUC brackets add up to 10 746 for a printed total of 10 745.
    assert about("revenus des familles", "Jura 2018 : 100,01 %")
    assert about("Evolution du besoin", "aucune donnée 2016 pour Jura", "10 ligne(s)")
    assert about("Assistantes maternelles", "aucune donnée 2016 pour Jura", "14 ligne(s)")
    assert about("Attractivité", "valeurs négatives", "CCJN 2016-2018")
