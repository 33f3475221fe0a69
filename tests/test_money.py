"""marketplace_connectors.core.money: locale-aware amounts, exactly."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marketplace_connectors.core.exceptions import InvalidAmount, ParseError
from marketplace_connectors.core.money import (
    from_minor_units,
    parse_amount,
    round_cents,
)


@pytest.mark.parametrize(
    "text, separator, expected",
    [
        ("95.00", None, "95.00"),
        ("95,00", None, "95.00"),
        ("-1234,56", None, "-1234.56"),
        ("1.234,56", None, "1234.56"),
        ("1,234.56", None, "1234.56"),
        ("-1 234 567,89", ",", "-1234567.89"),
        ("1\u202f234,50", ",", "1234.50"),
        ("+0,01", ",", "0.01"),
        (",5", ",", "0.5"),
        ("1.234", ",", "1234"),
        ("1.234", ".", "1.234"),
        ("1,234", ".", "1234"),
        ("  42  ", None, "42"),
        ("0", None, "0"),
    ],
)
def test_parse_amount(text, separator, expected):
    value = parse_amount(text, decimal_separator=separator)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "12,3,4",
        "1.2.3",
        "1,23.4",
        "--5",
        "5-",
        "1e5",
        "NaN",
        "12.34.56,7",
        "1.23,45.6",
        "+",
        "-",
        ".",
        "1,2345.00",
    ],
)
def test_parse_amount_rejects(text):
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text)
    assert caught.value.value == text


def test_parse_amount_rejects_none_and_bad_separator():
    with pytest.raises(InvalidAmount):
        parse_amount(None)
    with pytest.raises(ValueError):
        parse_amount("1", decimal_separator=";")


cents = st.integers(min_value=-(10**12), max_value=10**12)


def eu(value):
    sign = "-" if value < 0 else ""
    units, frac = divmod(abs(value), 100)
    grouped = f"{units:,}".replace(",", ".")
    return f"{sign}{grouped},{frac:02d}"


def us(value):
    sign = "-" if value < 0 else ""
    units, frac = divmod(abs(value), 100)
    return f"{sign}{units:,}.{frac:02d}"


@given(cents)
def test_round_trip_both_locales(value):
    expected = Decimal(value).scaleb(-2)
    assert parse_amount(eu(value)) == expected
    assert parse_amount(eu(value), decimal_separator=",") == expected
    assert parse_amount(us(value)) == expected
    assert parse_amount(us(value), decimal_separator=".") == expected
    assert parse_amount(eu(value).replace(".", "")) == expected


@given(st.text(max_size=12))
def test_parse_amount_never_raises_anything_else(text):
    try:
        value = parse_amount(text)
    except InvalidAmount:
        return
    assert isinstance(value, Decimal)
    assert value.is_finite()


def test_minor_units():
    assert from_minor_units(-1999) == Decimal("-19.99")
    assert from_minor_units(0) == Decimal("0")
    assert from_minor_units(123, exponent=0) == Decimal("123")
    with pytest.raises(InvalidAmount):
        from_minor_units(12.5)
    with pytest.raises(InvalidAmount):
        from_minor_units(True)


def test_round_cents_half_up():
    assert round_cents(Decimal("0.005")) == Decimal("0.01")
    assert round_cents(Decimal("-0.005")) == Decimal("-0.01")
    assert round_cents(Decimal("0.0049")) == Decimal("0.00")
    assert round_cents(Decimal("7.5"), exponent=0) == Decimal("8")


def test_parse_error_names_file_line_column_value():
    err = ParseError(
        "invalid amount", filename="settlement.txt", line=7, column="amount", value="x"
    )
    assert (
        str(err)
        == "settlement.txt, line 7, column 'amount': invalid amount (value 'x')"
    )
    assert err.as_dict() == {
        "message": "invalid amount",
        "filename": "settlement.txt",
        "line": 7,
        "column": "amount",
        "value": "x",
    }
