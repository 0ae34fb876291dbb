"""The arithmetic of the diagnostic: shares, evolutions, trends, French formats, the
comparison with printed figures and statistical secrecy (plain functions, no database)."""

from decimal import Decimal

import pytest

from diagnostic.computations import (
    DOWN,
    NBSP,
    STABLE,
    UP,
    agrees,
    caf_open_data_round,
    evolution,
    format_change,
    format_euros,
    format_number,
    format_percent,
    format_rate,
    is_secret,
    parse_arrow,
    parse_printed,
    points_evolution,
    round_half_up,
    share,
    trend,
    yearly_average_evolution,
    yearly_average_points,
    years_between,
)
from diagnostic.models import Indicator
from diagnostic.tables import format_value

D = Decimal


def rounded(value, decimals=1):
    return round_half_up(value, decimals)


# Shares and evolutions


def test_share_is_a_percentage_of_the_total():
    assert rounded(share(1496, 4858)) == D("30.8")  # ménages d'une personne, CCJN 2016
    assert rounded(share(D("22865"), D("83473")), 0) == 27  # the RAM's CEJ rate
    assert share(10745, 10745) == 100


def test_share_of_nothing_cannot_be_computed():
    assert share(12, 0) is None
    assert share(12, None) is None
    assert share(None, 100) is None


def test_evolution_between_two_years():
    assert rounded(evolution(11299, 11582), 2) == D("2.50")  # population of the CCJN
    assert rounded(evolution(261294, 260517), 2) == D("-0.30")  # population of the Jura
    assert evolution(0, 5) is None
    assert evolution(None, 5) is None


def test_years_between_counts_both_ends():
    assert years_between(2016, 2018) == 3
    assert years_between(2011, 2016) == 6


def test_yearly_average_evolution_over_three_years():
    # Children under 3 of the CCJN, 2016-2018: (428 / 407)^(1/2) − 1.
    assert rounded(yearly_average_evolution(407, 428, 3)) == D("2.5")
    # Childminders' children: 210 → 216 is +1,4 %/year (the seed prints "+19%").
    assert rounded(yearly_average_evolution(210, 216, 3)) == D("1.4")
    # Over two years it is the plain evolution.
    assert yearly_average_evolution(100, 110, 2) == D(10)


def test_yearly_average_evolution_needs_a_positive_ratio():
    assert yearly_average_evolution(-47, -38, 3).quantize(D("0.1")) == D("-10.1")  # as printed
    assert yearly_average_evolution(-5, 5, 3) is None
    assert yearly_average_evolution(0, 5, 3) is None
    assert yearly_average_evolution(5, 0, 3) == -100
    assert yearly_average_evolution(5, 6, 1) is None


def test_rates_evolve_in_points():
    assert points_evolution(D("42.9"), D("39.5")) == D("-3.4")
    # % des premières naissances, CCJN 2016-2018: (39,5 − 42,9) / 2 = −1,7 point a year.
    assert yearly_average_points(D("42.9"), D("39.5"), 3) == D("-1.7")
    assert yearly_average_points(D("18.2"), D("20.3"), 3) == D("1.05")
    assert yearly_average_points(None, D("20.3"), 3) is None


# Trends


@pytest.mark.parametrize(
    ("change", "threshold", "arrow"),
    [
        (D("2.5"), 2, UP),
        (D("-3.7"), 2, DOWN),
        (D("-1.6"), 2, STABLE),
        (D("2.0"), 2, UP),  # reaching the threshold is a trend
        (D("1.1"), 1, UP),  # a rate, against its threshold in points
        (D("0"), 0, STABLE),
        (D("0.1"), None, UP),  # no threshold: any change shows
    ],
)
def test_trend_arrow_from_the_evolution_and_a_threshold(change, threshold, arrow):
    assert trend(change, threshold) == arrow


def test_no_evolution_no_trend():
    assert trend(None, 2) is None


# Rounding and formats


def test_rounding_is_half_up():
    assert round_half_up(D("2.45"), 1) == D("2.5")
    assert round_half_up(D("-2.45"), 1) == D("-2.5")
    assert round_half_up(D("1.05"), 1) == D("1.1")
    assert round_half_up(D("0.5"), 0) == 1


def test_numbers_are_formatted_the_french_way():
    assert format_number(D("11582.0000")) == f"11{NBSP}582"
    assert format_number(D("1123743")) == f"1{NBSP}123{NBSP}743"
    assert format_number(D("2.5")) == "2,5"
    assert format_number(D("2.45"), 1) == "2,5"
    assert format_number(D("-47")) == "-47"
    assert format_number(D("-0.04"), 1) == "0,0"  # never "-0,0"
    assert format_number(D("999.96"), 1) == f"1{NBSP}000,0"


def test_shares_and_evolutions_are_formatted_with_their_decimals():
    assert format_percent(share(1496, 4858)) == f"30,8{NBSP}%"
    assert format_percent(D("48"), 2) == f"48,00{NBSP}%"
    assert format_change(evolution(11299, 11582), 2) == f"+2,50{NBSP}%"
    assert format_change(evolution(261294, 260517), 2) == f"-0,30{NBSP}%"
    assert format_change(yearly_average_evolution(407, 428, 3), 1) == f"+2,5{NBSP}%"
    assert format_change(D("0.02"), 1) == f"0,0{NBSP}%"
    assert format_change(D("-1.7"), 1, points=True) == f"-1,7{NBSP}pt"


def test_values_are_formatted_by_their_unit():
    assert format_value(D("48.0000"), Indicator.Unit.PERCENT, 2) == f"48,00{NBSP}%"
    assert format_value(D("2.5"), Indicator.Unit.PERCENT, 1) == f"2,5{NBSP}%"
    assert format_value(D("119157.0000"), Indicator.Unit.EUROS) == f"119{NBSP}157{NBSP}€"
    assert format_value(D("3.0800"), Indicator.Unit.EUROS) == f"3,08{NBSP}€"
    assert format_value(D("3.0000"), Indicator.Unit.RATIO) == "3,0"
    assert format_value(D("25.8000"), Indicator.Unit.RATIO) == "25,8"
    assert format_value(D("-47"), Indicator.Unit.COUNT) == "-47"


def test_amounts_and_funding_rates():
    assert format_euros(D("22865.00")) == f"22{NBSP}865{NBSP}€"
    assert format_euros(D("3.08")) == f"3,08{NBSP}€"
    assert format_rate(share(D("22865"), D("83473"))) == f"27{NBSP}%"
    assert format_rate(D("46.5")) == f"47{NBSP}%"


# Printed figures


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2,50%", (D("2.50"), 2)),
        ("- 0,30%", (D("-0.30"), 2)),
        ("+19%", (D("19"), 0)),
        ("−1,7 %", (D("-1.7"), 1)),
        ("100,0%", (D("100.0"), 1)),
        ("224, soit 16 % des aides", (D("16"), 0)),
        ("15 305, soit 39 % des aides", (D("39"), 0)),
        ("11\u00a0582", (D("11582"), 0)),
        ("↗", None),
        ("", None),
    ],
)
def test_printed_figures_are_read_with_their_decimals(text, parsed):
    assert parse_printed(text) == parsed


def test_printed_arrows():
    assert parse_arrow("↗") == UP
    assert parse_arrow("↘") == DOWN
    assert parse_arrow("▬") == parse_arrow("=") == STABLE
    assert parse_arrow("+2,5 %") is None


def test_a_printed_figure_agrees_at_its_own_precision():
    assert agrees("2,50%", evolution(11299, 11582))
    assert agrees("- 0,30%", evolution(261294, 260517))
    assert agrees("+2,5 %", yearly_average_evolution(407, 428, 3))
    assert not agrees("+19%", yearly_average_evolution(210, 216, 3))
    assert not agrees("45,6 %", share(18574, 41113))  # 45,2 %
    assert not agrees("+4,5%", yearly_average_evolution(D("3.08"), D("3.36"), 3))  # 4,45


def test_an_exact_tie_agrees_with_either_rounding():
    # (7,5 − 8,2) / 2 = −0,35 exactly; the source's spreadsheet printed −0,3.
    assert agrees("-0,3 %", yearly_average_points(D("8.2"), D("7.5"), 3))
    assert agrees("-0,4 %", yearly_average_points(D("8.2"), D("7.5"), 3))
    assert not agrees("-0,5 %", yearly_average_points(D("8.2"), D("7.5"), 3))


def test_printed_arrows_agree_with_the_computed_trend():
    assert agrees("=", STABLE)
    assert agrees("▬", STABLE)
    assert not agrees("↗", STABLE)
    assert not agrees("2,5 %", UP)
    assert not agrees("n.d.", D("2.5"))


# Statistical secrecy


@pytest.mark.parametrize(
    ("value", "secret"),
    [(0, False), (1, True), (4, True), (D("4.9"), True), (5, False), (-3, True), (None, False)],
)
def test_counts_below_the_threshold_are_secret(value, secret):
    assert is_secret(value, 5) is secret


def test_a_threshold_of_zero_masks_nothing():
    assert not is_secret(1, 0)


@pytest.mark.parametrize(
    ("value", "published"),
    [(7, 5), (12, 10), (13, 15), (2, 0), (3, 5), (1799, 1800), (D("2.5"), 5), (-7, -5)],
)
def test_caf_open_data_rounds_counts_to_five(value, published):
    assert caf_open_data_round(value) == published


def test_caf_open_data_rounding_of_nothing():
    assert caf_open_data_round(None) is None
