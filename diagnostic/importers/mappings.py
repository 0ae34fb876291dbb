"""What the open-data files hold, column by column, and the indicators they feed.

Codes already in the catalogue (those of the Jura Nord seed) keep their own label; the
others are created with the attributes written here the first time a file brings them.
"""

import re
from typing import NamedTuple

from ..models import Indicator

Unit, Source, Theme = Indicator.Unit, Indicator.Source, Indicator.Theme


class Spec(NamedTuple):
    """An indicator an import writes; created with these attributes when missing."""

    code: str
    label: str
    unit: str
    source: str
    theme: str
    definition: str = ""


CAF_DEFINITION = (
    "Cafdata (data.caf.fr), foyers allocataires au titre de décembre ; effectifs arrondis à 5 "
    "par la source, petits effectifs parfois masqués."
)


def caf(code, label, theme=Theme.BENEFICIARIES, unit=Unit.COUNT):
    return Spec(code, label, unit, Source.CAF, theme, CAF_DEFINITION)


# --- Cafdata (data.caf.fr), files per commune -----------------------------------------------
# One line per commune (numcomdo; NUMCOM in older files) and reference date (dtreffre).
# indfoy_* count the households (« foyers allocataires ») receiving a benefit, indnbp_* the
# people they cover (« personnes couvertes »); ndur is « au moins une prestation légale »,
# ndural any housing benefit, ndurpaje any benefit of the Paje.

CAF_COLUMNS = {
    "indfoy_ndur": caf("alloc_nb", "Foyers allocataires (au moins une prestation légale)"),
    "indnbp_ndur": caf("alloc_pers_couv", "Personnes couvertes par au moins une prestation"),
    "indfoy_af": caf("prest_nb_af", "Foyers percevant les allocations familiales", Theme.BENEFITS),
    "indfoy_cf": caf("caf_foy_cf", "Foyers percevant le complément familial", Theme.BENEFITS),
    "indfoy_asf": caf("alloc_asf", "Foyers percevant l'allocation de soutien familial"),
    "indnbp_asf": caf("caf_pers_asf", "Personnes couvertes par l'allocation de soutien familial"),
    "indfoy_ndurpaje": caf(
        "caf_foy_paje", "Foyers percevant une prestation de la Paje", Theme.EARLY_CHILDHOOD
    ),
    "indfoy_ab": caf(
        "caf_foy_paje_ab", "Foyers percevant l'allocation de base de la Paje", Theme.EARLY_CHILDHOOD
    ),
    "indfoy_cmg": caf(
        "caf_foy_cmg", "Foyers percevant le complément mode de garde (CMG)", Theme.EARLY_CHILDHOOD
    ),
    "indfoy_ndural": caf("alloc_al", "Foyers percevant une aide au logement"),
    "indnbp_ndural": caf(
        "log_pers_couv", "Personnes couvertes par une aide au logement", Theme.HOUSING
    ),
    "indfoy_apl": caf("caf_foy_apl", "Foyers percevant l'APL", Theme.HOUSING),
    "indfoy_als": caf("caf_foy_als", "Foyers percevant l'ALS", Theme.HOUSING),
    "indfoy_alf": caf("caf_foy_alf", "Foyers percevant l'ALF", Theme.HOUSING),
    "indfoy_rsa": caf("alloc_rsa", "Foyers percevant le RSA"),
    "indnbp_rsa": caf("caf_pers_rsa", "Personnes couvertes par le RSA"),
    "indfoy_ppa": caf("prest_nb_ppa", "Foyers percevant la prime d'activité", Theme.BENEFITS),
    "indfoy_aah": caf("prest_nb_aah", "Foyers percevant l'AAH", Theme.BENEFITS),
}
CAF_COMMUNE = ("numcomdo", "numcom")
CAF_DATE = ("dtreffre", "dtref")
CAF_LABELS = ("nomcom", "nomcomdo", "libcom", "communes")
# Cells Cafdata leaves empty or marks for statistical secrecy (compared in lower case).
CAF_MASKED = frozenset({"", "*", "s", "secret", "nd", "n.d.", "nc"})
COMMUNE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")


class Ratio(NamedTuple):
    """A share in percent computed from two Cafdata columns: never summed, recomputed."""

    spec: Spec
    numerator: str
    denominator: str


def caf_share(code, label, numerator):
    return Ratio(caf(code, label, unit=Unit.PERCENT), numerator, "indfoy_ndur")


CAF_RATIOS = [
    caf_share("alloc_part_asf", "Part des allocataires percevant l'ASF", "indfoy_asf"),
    caf_share(
        "alloc_part_al", "Part des allocataires percevant une aide au logement", "indfoy_ndural"
    ),
    caf_share("alloc_part_rsa", "Part des allocataires percevant le RSA", "indfoy_rsa"),
]


# --- INSEE « comparateur de territoires » and « chiffres clés » -----------------------------
# One line per territory (CODGEO), one column per census variable: P21_POP is the variable
# POP of the 2021 census, main exploitation (P) or complementary one (C).

INSEE_COLUMN = re.compile(r"([PC])(\d{2})_(\w+)")
INSEE_CODE = "codgeo"
INSEE_LABELS = ("libgeo",)
INSEE_EMPTY = frozenset({"", "s", "nd", "n.d.", "nc"})

POP, MEN, LOG = Theme.POPULATION, Theme.HOUSEHOLDS, Theme.HOUSING
ECO, EMP = Theme.ECONOMY, Theme.EMPLOYMENT
CENSUS = "Insee, recensement de la population."


def census(code, label, theme, prefix="P"):
    """A variable, and the prefix kept when a file has both (C for household structures)."""
    return prefix, Spec(code, label, Unit.COUNT, Source.INSEE, theme, CENSUS)


INSEE_VARIABLES = {
    "POP": census("pop_total", "Population", POP),
    "POP0002": census("pop_0_2", "Enfants de 0 à 2 ans", POP),
    "POP0305": census("pop_3_5", "Enfants de 3 à 5 ans", POP),
    "POP0610": census("pop_6_10", "Enfants de 6 à 10 ans", POP),
    "POP1117": census("pop_11_17", "Jeunes de 11 à 17 ans", POP),
    "POP0014": census("pop_0_14", "Population de 0 à 14 ans", POP),
    "POP1529": census("pop_15_29", "Population de 15 à 29 ans", POP),
    "POP3044": census("pop_30_44", "Population de 30 à 44 ans", POP),
    "POP4559": census("pop_45_59", "Population de 45 à 59 ans", POP),
    "POP6074": census("pop_60_74", "Population de 60 à 74 ans", POP),
    "POP75P": census("pop_75_plus", "Population de 75 ans ou plus", POP),
    "POP7589": census("pop_75_89", "Population de 75 à 89 ans", POP),
    "POP90P": census("pop_90_plus", "Population de 90 ans ou plus", POP),
    "MEN": census("men_total", "Ménages (ensemble)", MEN, "C"),
    "MENPSEUL": census("men_1pers", "Ménages d'une personne", MEN, "C"),
    "MENFAM": census("men_famille", "Ménages avec famille", MEN, "C"),
    "MENCOUPSENF": census("men_couples_sans_enf", "Couples sans enfant", MEN, "C"),
    "MENCOUPAENF": census("men_couples_avec_enf", "Couples avec enfants", MEN, "C"),
    "MENFAMMONO": census("men_fam_mono", "Familles monoparentales", MEN, "C"),
    "FAM": census("fam_total", "Familles", MEN, "C"),
    "NE24F0": census("fam_0enf", "Familles sans enfant de moins de 25 ans", MEN, "C"),
    "NE24F1": census("men_fam_1enf", "Familles avec 1 enfant de moins de 25 ans", MEN, "C"),
    "NE24F2": census("men_fam_2enf", "Familles avec 2 enfants de moins de 25 ans", MEN, "C"),
    "NE24F3": census("men_fam_3enf", "Familles avec 3 enfants de moins de 25 ans", MEN, "C"),
    "NE24F4P": census("men_fam_4enf_plus", "Familles avec 4 enfants ou plus de moins de 25 ans",
                      MEN, "C"),
    "LOG": census("log_total", "Logements (ensemble)", LOG),
    "RP": census("log_rp", "Résidences principales", LOG),
    "RSECOCC": census("log_rs", "Résidences secondaires et logements occasionnels", LOG),
    "LOGVAC": census("log_vacants", "Logements vacants", LOG),
    "RP_PROP": census("log_rp_proprietaires", "Résidences principales : propriétaires", LOG),
    "RP_LOC": census("log_rp_locataires", "Résidences principales : locataires", LOG),
    "RP_GRAT": census("log_rp_gratuit", "Résidences principales : logés gratuitement", LOG),
    "POP1564": census("eco_pop_15_64", "Population de 15 à 64 ans", ECO),
    "ACT1564": census("eco_actifs", "Actifs de 15 à 64 ans", ECO),
    "ACTOCC1564": census("eco_actifs_occupes", "Actifs de 15 à 64 ans ayant un emploi", ECO),
    "CHOM1564": census("eco_chomeurs", "Chômeurs de 15 à 64 ans", ECO),
    "INACT1564": census("eco_inactifs", "Inactifs de 15 à 64 ans", ECO),
    "EMPLT": census("emp_nb_emplois", "Emplois dans la zone", EMP),
    "ACTOCC15P": census("emp_actifs_occupes_zone", "Actifs occupés résidant dans la zone", EMP),
}  # fmt: skip

# A variable some files split: the « dossier complet » gives POP7589 and POP90P where the
# IRIS files give POP75P, the last band of the population chart. Computed as their sum
# when a file has the parts only.
INSEE_SUMS = {"POP75P": ("POP7589", "POP90P")}


# --- The application's long format ----------------------------------------------------------
# English headers, as the admin's ObservationResource writes them, or French ones.

LONG_COLUMNS = {
    "indicator": ("indicator", "indicateur"),
    "territory": ("territory", "territoire"),
    "year": ("year", "annee", "année"),
    "value": ("value", "valeur"),
    "note": ("note",),
    "date": ("date",),
}
LONG_REQUIRED = ("indicator", "territory", "year", "value")
