"""Tests for gs1.py: GTIN, UDI element strings, parsing of scanned data, label comparison."""

import datetime

import pytest
from lib_loader import load

gs1 = load("gs1")


GS = "\x1d"
GTIN = "09501101530003"


# -- GTIN ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, normalised",
    [
        ("09501101530003", "09501101530003"),  # GTIN-14 (GS1 General Specifications example)
        ("4006381333931", "04006381333931"),  # GTIN-13
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        ("96385074", "00000096385074"),  # GTIN-8
        ("10614141000415", "10614141000415"),  # GTIN-14 with packaging indicator 1
        (" 4006381333931\n", "04006381333931"),  # pasted / scanned with whitespace
    ],
)
def test_validate_gtin_valid(value, normalised):
    assert gs1.validate_gtin(value) == normalised


@pytest.mark.parametrize(
    "without_check, check",
    [("0950110153000", "3"), ("400638133393", "1"), ("03600029145", "2"), ("9638507", "4")],
)
def test_gtin_check_digit(without_check, check):
    assert gs1.gtin_check_digit(without_check) == check


@pytest.mark.parametrize("bad", ["", "12a4", "-1", "١٢٣"])
def test_gtin_check_digit_rejects_non_digits(bad):
    with pytest.raises(ValueError):
        gs1.gtin_check_digit(bad)


@pytest.mark.parametrize(
    "value, message",
    [
        ("09501101530004", r"wrong check digit \(expected 3\)"),
        ("4006381333932", r"wrong check digit \(expected 1\)"),
        ("40063813339A1", "only digits"),
        ("4006 381333931", "only digits"),
        ("٤٠٠٦٣٨١٣٣٣٩٣١", "only digits"),  # Arabic-Indic digits: str.isdigit() is True
        ("123456789", "8, 12, 13 or 14 digits, not 9"),
        ("095011015300031", "8, 12, 13 or 14 digits, not 15"),
        ("", "empty"),
        (None, "empty"),
    ],
)
def test_validate_gtin_invalid(value, message):
    with pytest.raises(ValueError, match=message):
        gs1.validate_gtin(value)


def test_error_carries_template_and_params():
    with pytest.raises(gs1.GS1Error) as info:
        gs1.validate_gtin("09501101530004")
    assert info.value.template == gs1.ERR_GTIN_CHECK
    assert info.value.params == ("09501101530004", "3")
    assert str(info.value) == "GTIN 09501101530004 has a wrong check digit (expected 3)."


# -- element strings -------------------------------------------------------------------------


def test_full_udi():
    udi = gs1.udi_element_string(
        "9501101530003",
        expiry=datetime.date(2027, 1, 31),
        lot="ABC123",
        production_date=datetime.date(2025, 2, 3),
        serial="0001",
    )
    assert udi.elements == (
        ("01", GTIN),
        ("11", "250203"),
        ("17", "270131"),
        ("10", "ABC123"),
        ("21", "0001"),
    )
    assert udi.hri == "(01)09501101530003(11)250203(17)270131(10)ABC123(21)0001"
    # GS only after the lot (variable length, not last); none after fixed-length AIs.
    assert udi.data == "01095011015300031125020317270131" + "10ABC123" + GS + "210001"
    assert udi.as_dict()["10"] == "ABC123"


def test_udi_example_from_brief():
    udi = gs1.udi_element_string(
        GTIN, expiry=datetime.date(2027, 1, 31), lot="ABC123", serial="0001"
    )
    assert udi.hri == "(01)09501101530003(17)270131(10)ABC123(21)0001"
    assert udi.data == "01095011015300031727013110ABC123" + GS + "210001"


def test_gtin_only():
    udi = gs1.udi_element_string("4006381333931")
    assert udi.hri == "(01)04006381333931"
    assert udi.data == "0104006381333931"
    assert udi.elements == (("01", "04006381333931"),)


def test_lot_last_has_no_trailing_gs():
    udi = gs1.udi_element_string(GTIN, expiry=datetime.date(2026, 12, 1), lot="L-42/7")
    assert udi.data == "010950110153000317261201" + "10L-42/7"
    assert not udi.data.endswith(GS)


def test_serial_only_no_gs():
    udi = gs1.udi_element_string(GTIN, serial="SN000123")
    assert udi.data == "01" + GTIN + "21SN000123"
    assert GS not in udi.data


def test_falsy_values_are_omitted():
    """Odoo returns False for empty fields: they must not produce empty AIs."""
    udi = gs1.udi_element_string(GTIN, expiry=False, lot="", production_date=None, serial=False)
    assert udi.hri == "(01)" + GTIN


def test_datetime_and_yymmdd_string_dates():
    udi = gs1.udi_element_string(
        GTIN, expiry="271200", production_date=datetime.datetime(2024, 2, 29, 23, 59)
    )
    assert udi.hri == "(01)09501101530003(11)240229(17)271200"  # day 00 = end of month


@pytest.mark.parametrize("bad_date", ["271301", "270230", "27013", "2701311", "27O131", 20270131])
def test_invalid_dates(bad_date):
    with pytest.raises(ValueError):
        gs1.udi_element_string(GTIN, expiry=bad_date)


def test_lot_max_length():
    assert gs1.udi_element_string(GTIN, lot="L" * 20).elements[-1] == ("10", "L" * 20)
    with pytest.raises(ValueError, match="Lot is too long: 21 characters, maximum 20"):
        gs1.udi_element_string(GTIN, lot="L" * 21)
    with pytest.raises(ValueError, match="Serial number is too long"):
        gs1.udi_element_string(GTIN, serial="S" * 21)


@pytest.mark.parametrize("bad_lot", ["AB 12", "AB#12", "LOT@1", "ÄBC", "A~B", "A\x1dB", "[1]"])
def test_invalid_lot_characters(bad_lot):
    with pytest.raises(ValueError, match="Lot contains characters not allowed"):
        gs1.udi_element_string(GTIN, lot=bad_lot)


def test_non_text_value():
    with pytest.raises(ValueError, match=r"Value of \(21\) must be text"):
        gs1.udi_element_string(GTIN, serial=123)


def test_invalid_serial_characters():
    with pytest.raises(ValueError, match="Serial number contains characters not allowed"):
        gs1.udi_element_string(GTIN, serial="SN 1")


def test_all_cset82_characters_allowed():
    udi = gs1.udi_element_string(GTIN, lot="!\"%&'()*+,-./:;<=>?_", serial="azAZ09")
    assert udi.elements[1] == ("10", "!\"%&'()*+,-./:;<=>?_")
    assert len(gs1.CSET82) == 82


def test_invalid_gtin_in_udi():
    with pytest.raises(ValueError, match="check digit"):
        gs1.udi_element_string("09501101530004", lot="A")


def test_build_element_string_generic():
    es = gs1.build_element_string([("01", GTIN), ("30", "12"), ("240", "REF-1"), ("21", "9")])
    assert es.hri == "(01)09501101530003(30)12(240)REF-1(21)9"
    assert es.data == "01" + GTIN + "3012" + GS + "240REF-1" + GS + "219"
    with pytest.raises(ValueError, match="more than once"):
        gs1.build_element_string([("10", "A"), ("10", "B")])
    with pytest.raises(ValueError, match="Unknown"):
        gs1.build_element_string([("99", "A")])
    with pytest.raises(ValueError, match="must have 14 characters"):
        gs1.build_element_string([("01", "123")])


# -- parsing ---------------------------------------------------------------------------------

FULL = [("01", GTIN), ("17", "270131"), ("10", "ABC123"), ("21", "0001")]
FULL_RAW = "01095011015300031727013110ABC123" + GS + "210001"


@pytest.mark.parametrize(
    "scanned",
    [
        "(01)09501101530003(17)270131(10)ABC123(21)0001",
        FULL_RAW,
        "]d2" + FULL_RAW,
        "]C1" + FULL_RAW,
        "]Q3" + FULL_RAW,
        GS + FULL_RAW,  # leading FNC1 transmitted as GS
        "]d2" + GS + FULL_RAW,
        FULL_RAW + "\r\n",  # keyboard-wedge scanner suffix
        "]d2(01)09501101530003(17)270131(10)ABC123(21)0001",
    ],
)
def test_parse_full_udi(scanned):
    assert gs1.parse_gs1(scanned) == FULL


def test_parse_roundtrip_of_built_strings():
    udi = gs1.udi_element_string(
        "036000291452",
        production_date=datetime.date(2025, 6, 1),
        expiry=datetime.date(2030, 5, 31),
        lot="(10)X",  # parentheses are legal in set 82
        serial="S/N-1",
    )
    assert gs1.parse_gs1(udi.data) == list(udi.elements)
    assert gs1.parse_gs1("]d2" + udi.data) == list(udi.elements)


def test_parse_hri_with_parenthesis_in_value():
    assert gs1.parse_gs1("(01)09501101530003(10)A(B)C(21)1") == [
        ("01", GTIN),
        ("10", "A(B)C"),
        ("21", "1"),
    ]


def test_parse_other_ais():
    sscc = "106141411234567897"
    raw = "00" + sscc + "01" + GTIN + "3012" + GS + "240ART-7" + GS + "11250101"
    assert gs1.parse_gs1(raw) == [
        ("00", sscc),
        ("01", GTIN),
        ("30", "12"),
        ("240", "ART-7"),
        ("11", "250101"),
    ]


def test_parse_tolerates_gs_after_fixed_length():
    assert gs1.parse_gs1("01" + GTIN + GS + "10AB") == [("01", GTIN), ("10", "AB")]


@pytest.mark.parametrize(
    "scanned, message",
    [
        ("", "empty"),
        ("]d2", "empty"),
        ("\r\n", "empty"),
        ("010950110153000", "truncated after \\(01\\)"),  # GTIN cut short
        ("0109501101530003172701", "truncated after \\(17\\)"),
        ("010950110153000310", "truncated after \\(10\\)"),  # AI without value
        ("010950110153000310ABC" + GS, "truncated after \\(10\\)"),  # dangling separator
        ("01095011015300" + GS + "03", "truncated after \\(01\\)"),
        ("0109501101530004", "wrong check digit"),
        ("99ABC", "Unknown"),
        ("0109501101530003" + "99X", "Unknown"),
        ("]d1" + FULL_RAW, "not a GS1 barcode"),
        ("]Q1" + FULL_RAW, "not a GS1 barcode"),
        ("(01)09501101530003(17)2701", "must have 6 characters"),
        ("(01)0950110153000X", "only digits"),
        ("(01)09501101530003(10)", "Lot must not be empty"),
        ("(99)X", "Unknown"),
        ("(01", "Malformed"),
        ("(01)09501101530003(01)09501101530003", "more than once"),
        ("0109501101530003" + "17271399", "valid GS1 date"),
        ("010950110153000310" + "A" * 21, "Lot is too long"),
        ("010950110153000310AB CD", "not allowed"),
        ("3012345678901", "too long"),  # (30) is at most 8 digits
    ],
)
def test_parse_malformed(scanned, message):
    with pytest.raises(ValueError, match=message):
        gs1.parse_gs1(scanned)


def test_parse_rejects_non_string():
    with pytest.raises(ValueError):
        gs1.parse_gs1(None)


# -- label verification ----------------------------------------------------------------------


def _udi():
    return gs1.udi_element_string(
        GTIN, expiry=datetime.date(2027, 1, 31), lot="ABC123", serial="0001"
    )


def test_udi_matches_ok():
    ok, message = gs1.udi_matches("]d2" + FULL_RAW, _udi())
    assert ok, message
    assert message == gs1.MSG_MATCH


def test_udi_matches_accepts_pairs_dict_dates_and_short_gtin():
    expected = {
        "01": "9501101530003",
        "17": datetime.date(2027, 1, 31),
        "10": "ABC123",
        "21": "0001",
    }
    assert gs1.udi_matches(FULL_RAW, expected) == (True, gs1.MSG_MATCH)
    assert gs1.udi_matches(FULL_RAW, list(expected.items()))[0]


def test_udi_matches_order_independent():
    reordered = "01" + GTIN + "21" + "0001" + GS + "17270131" + "10ABC123"
    assert gs1.udi_matches(reordered, _udi())[0]


def test_udi_mismatch_messages():
    wrong_lot = FULL_RAW.replace("ABC123", "ABC124")
    ok, message = gs1.udi_matches(wrong_lot, _udi())
    assert not ok
    assert message == "(10) is ABC124, expected ABC123."

    ok, message = gs1.udi_matches("01" + GTIN + "17270131", _udi())
    assert not ok
    assert message == "(10) is missing, expected ABC123. (21) is missing, expected 0001."

    ok, message = gs1.udi_matches(FULL_RAW + GS + "240X", _udi())
    assert not ok
    assert message == "(240) X is not expected on this label."
    assert gs1.udi_matches(FULL_RAW + GS + "240X", _udi(), strict=False)[0]


def test_udi_matches_unreadable_scan():
    ok, message = gs1.udi_matches("0109501101530", _udi())
    assert not ok
    assert "truncated" in message
