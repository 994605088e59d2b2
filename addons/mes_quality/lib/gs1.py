"""GS1 / UDI domain logic: GTIN check digits, UDI element strings, scan parsing.

Plain Python on purpose (no Odoo import) so it can be unit-tested in isolation and reused by
label printing (build the element string) and label verification (parse what a scanner read
back and compare it with what should have been printed).

References: GS1 General Specifications (sections 3 "GS1 Application Identifier definitions",
7.8 "Processing of data from a GS1 symbol", 7.9 "Mod10 check digit", 7.11 "GS1 AI encodable
character set 82") and the FDA / EU MDR UDI rules, which use the AIs (01) device identifier
and (11) (17) (10) (21) production identifiers.

Error messages are module constants with ``%s`` placeholders so a caller can translate them;
:class:`GS1Error` (a ``ValueError``) carries the template and its parameters separately.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

GS = "\x1d"

ERR_GTIN_EMPTY = "GTIN is empty."
ERR_GTIN_DIGITS = "GTIN must contain only digits: %s"
ERR_GTIN_LENGTH = "GTIN must have 8, 12, 13 or 14 digits, not %s: %s"
ERR_GTIN_CHECK = "GTIN %s has a wrong check digit (expected %s)."
ERR_CHECK_DIGITS = "Check digit calculation needs digits only: %s"
ERR_FIELD_EMPTY = "%s must not be empty."
ERR_FIELD_TOO_LONG = "%s is too long: %s characters, maximum %s."
ERR_FIELD_CHARSET = "%s contains characters not allowed in GS1 barcodes: %s"
ERR_DATE_TYPE = "%s must be a date or a YYMMDD string."
ERR_DATE_INVALID = "%s is not a valid GS1 date (YYMMDD): %s"
ERR_AI_UNKNOWN = "Unknown or unsupported GS1 Application Identifier in: %s"
ERR_AI_DUPLICATE = "GS1 Application Identifier (%s) appears more than once."
ERR_VALUE_LENGTH = "Value of (%s) must have %s characters: %s"
ERR_VALUE_DIGITS = "Value of (%s) must contain only digits: %s"
ERR_VALUE_TYPE = "Value of (%s) must be text."
ERR_SCAN_EMPTY = "The scanned data is empty."
ERR_SCAN_NOT_GS1 = "The scanned barcode is not a GS1 barcode (symbology identifier %s)."
ERR_SCAN_TRUNCATED = "The scanned data is truncated after (%s)."
ERR_HRI_MALFORMED = "Malformed GS1 human readable text near: %s"
MSG_MATCH = "The label matches the expected UDI."
MSG_MISSING = "(%s) is missing, expected %s."
MSG_MISMATCH = "(%s) is %s, expected %s."
MSG_UNEXPECTED = "(%s) %s is not expected on this label."


class GS1Error(ValueError):
    """A ``ValueError`` whose message is ``template % params``.

    Keeping the untranslated template and its parameters apart lets the Odoo layer show a
    translated message: ``_(err.template, *err.params)`` (with the template re-declared there
    for extraction), while plain Python callers just use ``str(err)``.
    """

    def __init__(self, template: str, *params):
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


# --------------------------------------------------------------------------------------------
# Application Identifier table
# --------------------------------------------------------------------------------------------

_NUMERIC, _CSET82, _DATE = "N", "X", "D"


@dataclass(frozen=True)
class AI:
    """Definition of one GS1 Application Identifier."""

    code: str
    title: str
    kind: str  # _NUMERIC, _CSET82 or _DATE (numeric YYMMDD)
    max_length: int
    fixed: bool  # fixed length: no FNC1/GS separator needed after it


#: AIs supported for building and parsing. GS1 AIs are prefix-free, so the parser can find
#: the AI of a raw string by trying 2, 3 then 4 leading digits.
AIS: dict[str, AI] = {
    ai.code: ai
    for ai in (
        AI("00", "SSCC", _NUMERIC, 18, True),
        AI("01", "GTIN", _NUMERIC, 14, True),
        AI("02", "Content GTIN", _NUMERIC, 14, True),
        AI("10", "Lot", _CSET82, 20, False),
        AI("11", "Production date", _DATE, 6, True),
        AI("12", "Due date", _DATE, 6, True),
        AI("13", "Packaging date", _DATE, 6, True),
        AI("15", "Best before date", _DATE, 6, True),
        AI("16", "Sell by date", _DATE, 6, True),
        AI("17", "Expiry date", _DATE, 6, True),
        AI("20", "Variant", _NUMERIC, 2, True),
        AI("21", "Serial number", _CSET82, 20, False),
        AI("22", "Consumer product variant", _CSET82, 20, False),
        AI("240", "Additional product identification", _CSET82, 30, False),
        AI("241", "Customer part number", _CSET82, 30, False),
        AI("30", "Variable count", _NUMERIC, 8, False),
        AI("37", "Count of trade items", _NUMERIC, 8, False),
    )
}

#: GS1 AI encodable character set 82 (General Specifications figure 7.11-1).
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)

#: Symbology identifiers (ISO/IEC 15424) a scanner may prefix: GS1 DataMatrix, GS1-128,
#: GS1 QR Code, GS1 DataBar.
GS1_SYMBOLOGY_IDS = ("]d2", "]C1", "]Q3", "]e0")


# --------------------------------------------------------------------------------------------
# GTIN
# --------------------------------------------------------------------------------------------


def gtin_check_digit(digits_without_check: str) -> str:
    """GS1 Mod10 check digit: weights 3,1,3,... from the rightmost digit (GTIN, SSCC, GLN)."""
    digits = digits_without_check
    if not (digits and digits.isascii() and digits.isdigit()):
        raise GS1Error(ERR_CHECK_DIGITS, digits_without_check)
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def validate_gtin(value: str) -> str:
    """Check a GTIN-8/12/13/14 and return it as the 14 digits used in AI (01).

    Left zero padding keeps the check digit valid because the weights are counted from the
    right.
    """
    gtin = (value or "").strip()
    if not gtin:
        raise GS1Error(ERR_GTIN_EMPTY)
    if not (gtin.isascii() and gtin.isdigit()):
        raise GS1Error(ERR_GTIN_DIGITS, gtin)
    if len(gtin) not in (8, 12, 13, 14):
        raise GS1Error(ERR_GTIN_LENGTH, len(gtin), gtin)
    expected = gtin_check_digit(gtin[:-1])
    if gtin[-1] != expected:
        raise GS1Error(ERR_GTIN_CHECK, gtin, expected)
    return gtin.zfill(14)


# --------------------------------------------------------------------------------------------
# Value validation
# --------------------------------------------------------------------------------------------


def _check_date(yymmdd: str, label: str) -> str:
    """YYMMDD with month 01-12 and a valid day; GS1 allows day 00 when only the month is known
    (read as the last day of that month)."""
    if len(yymmdd) != 6 or not (yymmdd.isascii() and yymmdd.isdigit()):
        raise GS1Error(ERR_DATE_INVALID, label, yymmdd)
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if not 1 <= month <= 12:
        raise GS1Error(ERR_DATE_INVALID, label, yymmdd)
    if day:
        # Validate the day against the month; the year is ambiguous (century chosen by the
        # reader's sliding window), so 2000+YY is only used to allow 29 February correctly.
        try:
            datetime.date(2000 + int(yymmdd[:2]), month, day)
        except ValueError:
            raise GS1Error(ERR_DATE_INVALID, label, yymmdd)
    return yymmdd


def format_date(value, label: str = "Date") -> str:
    """Return a ``datetime.date`` (or an already formatted YYMMDD string) as GS1 YYMMDD."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%y%m%d")
    if isinstance(value, str):
        return _check_date(value, label)
    raise GS1Error(ERR_DATE_TYPE, label)


def validate_value(ai_code: str, value: str) -> str:
    """Check ``value`` against the format of ``ai_code``; return it unchanged."""
    ai = AIS[ai_code]
    if not value:
        raise GS1Error(ERR_FIELD_EMPTY, ai.title)
    if not isinstance(value, str):
        raise GS1Error(ERR_VALUE_TYPE, ai_code)
    if ai.kind == _CSET82:
        if len(value) > ai.max_length:
            raise GS1Error(ERR_FIELD_TOO_LONG, ai.title, len(value), ai.max_length)
        bad = sorted({ch for ch in value if ch not in CSET82})
        if bad:
            raise GS1Error(ERR_FIELD_CHARSET, ai.title, " ".join(repr(ch) for ch in bad))
        return value
    if not (value.isascii() and value.isdigit()):
        raise GS1Error(ERR_VALUE_DIGITS, ai_code, value)
    if ai.fixed and len(value) != ai.max_length:
        raise GS1Error(ERR_VALUE_LENGTH, ai_code, ai.max_length, value)
    if len(value) > ai.max_length:
        raise GS1Error(ERR_FIELD_TOO_LONG, ai.title, len(value), ai.max_length)
    if ai.kind == _DATE:
        _check_date(value, ai.title)
    elif ai_code in ("00", "01", "02") and value[-1] != gtin_check_digit(value[:-1]):
        raise GS1Error(ERR_GTIN_CHECK, value, gtin_check_digit(value[:-1]))
    return value


# --------------------------------------------------------------------------------------------
# Element strings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementString:
    """A GS1 element string in its three useful forms.

    * ``elements``: ordered ``(ai, value)`` pairs.
    * ``hri``: human readable interpretation printed under the barcode, ``(01)...(17)...``.
    * ``data``: what goes into a GS1 barcode after the leading FNC1: AIs and values
      concatenated, a GS (chr 29) after each variable-length value that is not last.
    """

    elements: tuple[tuple[str, str], ...]
    hri: str
    data: str

    def as_dict(self) -> dict[str, str]:
        return dict(self.elements)


def build_element_string(elements) -> ElementString:
    """Validate ``(ai, value)`` pairs and build the HRI and the raw barcode data.

    The separator is only needed where a reader cannot know where a value ends, i.e. after a
    variable-length value followed by another element; a trailing one would be wasted space
    (and some verifiers grade it down).
    """
    elements = tuple((str(ai), value) for ai, value in elements)
    seen: set[str] = set()
    for ai, value in elements:
        if ai not in AIS:
            raise GS1Error(ERR_AI_UNKNOWN, f"({ai})")
        if ai in seen:
            raise GS1Error(ERR_AI_DUPLICATE, ai)
        seen.add(ai)
        validate_value(ai, value)
    hri = "".join(f"({ai}){value}" for ai, value in elements)
    parts = []
    for index, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        if not AIS[ai].fixed and index < len(elements) - 1:
            parts.append(GS)
    return ElementString(elements=elements, hri=hri, data="".join(parts))


def udi_element_string(
    gtin: str,
    expiry=None,
    lot: str | None = None,
    production_date=None,
    serial: str | None = None,
) -> ElementString:
    """Build the GS1 UDI: (01) GTIN, (11) production date, (17) expiry, (10) lot, (21) serial.

    Fixed-length AIs come first and variable-length ones last, which is the order found on
    medical device labels and needs at most one GS separator. Falsy optional values (``None``,
    ``False`` from an empty Odoo field, ``""``) are omitted. Dates are ``datetime.date`` or a
    YYMMDD string (allows day ``00``); the GTIN may be GTIN-8/12/13/14.
    """
    elements = [("01", validate_gtin(gtin))]
    if production_date:
        elements.append(("11", format_date(production_date, AIS["11"].title)))
    if expiry:
        elements.append(("17", format_date(expiry, AIS["17"].title)))
    if lot:
        elements.append(("10", lot))
    if serial:
        elements.append(("21", serial))
    return build_element_string(elements)


# --------------------------------------------------------------------------------------------
# Parsing scanned data
# --------------------------------------------------------------------------------------------

_HRI_AI = re.compile(r"\((\d{2,4})\)")


def _lookup_ai(text: str, pos: int) -> str:
    for length in (2, 3, 4):
        code = text[pos : pos + length]
        if len(code) == length and code in AIS:
            return code
    raise GS1Error(ERR_AI_UNKNOWN, text[pos : pos + 8])


def _parse_hri(text: str) -> list[tuple[str, str]]:
    """Parse ``(01)...(10)...``. A "(" inside a value is kept unless it opens a known AI."""
    elements = []
    pos = 0
    while pos < len(text):
        match = _HRI_AI.match(text, pos)
        if not match:
            raise GS1Error(ERR_HRI_MALFORMED, text[pos : pos + 12])
        ai = match.group(1)
        if ai not in AIS:
            raise GS1Error(ERR_AI_UNKNOWN, match.group(0))
        end = match.end()
        while True:
            end = text.find("(", end)
            if end == -1:
                end = len(text)
                break
            nxt = _HRI_AI.match(text, end)
            if nxt and nxt.group(1) in AIS:
                break
            end += 1
        elements.append((ai, text[match.end() : end]))
        pos = end
    return elements


def _parse_raw(text: str) -> list[tuple[str, str]]:
    """Parse AIs and values run together, variable-length values ended by GS or the end."""
    elements = []
    pos = 0
    while pos < len(text):
        ai_code = _lookup_ai(text, pos)
        ai = AIS[ai_code]
        pos += len(ai_code)
        if ai.fixed:
            value = text[pos : pos + ai.max_length]
            if len(value) < ai.max_length or GS in value:
                raise GS1Error(ERR_SCAN_TRUNCATED, ai_code)
            pos += ai.max_length
        else:
            end = text.find(GS, pos)
            end = len(text) if end == -1 else end
            value = text[pos:end]
            if not value:
                raise GS1Error(ERR_SCAN_TRUNCATED, ai_code)
            pos = end
        if text.startswith(GS, pos):
            # Separator after a variable value; also tolerated after a fixed one (some
            # encoders add it) but a trailing GS with nothing after it means truncation.
            pos += 1
            if pos == len(text):
                raise GS1Error(ERR_SCAN_TRUNCATED, ai_code)
        elements.append((ai_code, value))
    return elements


def parse_gs1(scanned: str) -> list[tuple[str, str]]:
    """Parse a scanned GS1 barcode into ordered ``(ai, value)`` pairs, validating each value.

    Accepts what scanners and decoders return: the HRI with parentheses, or the raw data with
    GS (chr 29) separators, optionally prefixed by a GS1 symbology identifier (``]d2`` GS1
    DataMatrix, ``]C1`` GS1-128, ``]Q3`` GS1 QR, ``]e0`` GS1 DataBar) and/or a leading GS
    (the transmitted leading FNC1). Surrounding CR/LF/spaces from keyboard-wedge scanners are
    ignored.

    :raises ValueError: (:class:`GS1Error`) on non-GS1, unknown AI, truncated or invalid data.
    """
    if not isinstance(scanned, str):
        raise GS1Error(ERR_SCAN_EMPTY)
    text = scanned.strip(" \r\n\t")
    if text.startswith("]") and len(text) >= 3:
        prefix = text[:3]
        if prefix not in GS1_SYMBOLOGY_IDS:
            raise GS1Error(ERR_SCAN_NOT_GS1, prefix)
        text = text[3:]
    if text.startswith(GS):
        text = text[1:]
    if not text:
        raise GS1Error(ERR_SCAN_EMPTY)
    elements = _parse_hri(text) if text.startswith("(") else _parse_raw(text)
    seen: set[str] = set()
    for ai, value in elements:
        if ai in seen:
            raise GS1Error(ERR_AI_DUPLICATE, ai)
        seen.add(ai)
        validate_value(ai, value)
    return elements


def _normalise_expected(expected) -> dict[str, str]:
    if isinstance(expected, ElementString):
        expected = expected.elements
    elif isinstance(expected, dict):
        expected = expected.items()
    result = {}
    for ai, value in expected:
        ai = str(ai)
        if isinstance(value, datetime.date):
            value = format_date(value)
        elif ai == "01":
            value = validate_gtin(value)
        result[ai] = value
    return result


def udi_matches(scanned: str, expected_elements, strict: bool = True) -> tuple[bool, str]:
    """Compare a scanned barcode with the expected UDI; return ``(ok, message)``.

    ``expected_elements`` is an :class:`ElementString`, a dict or ``(ai, value)`` pairs;
    dates may be ``datetime.date`` and the GTIN any GTIN length. Order is not compared (GS1
    does not fix it). With ``strict`` (default) AIs on the label that are not expected are a
    mismatch too: a verified label must carry exactly the intended data.
    """
    try:
        scanned_elements = dict(parse_gs1(scanned))
    except ValueError as err:
        return False, str(err)
    expected = _normalise_expected(expected_elements)
    problems = []
    for ai, value in expected.items():
        if ai not in scanned_elements:
            problems.append(MSG_MISSING % (ai, value))
        elif scanned_elements[ai] != value:
            problems.append(MSG_MISMATCH % (ai, scanned_elements[ai], value))
    if strict:
        for ai, value in scanned_elements.items():
            if ai not in expected:
                problems.append(MSG_UNEXPECTED % (ai, value))
    if problems:
        return False, " ".join(problems)
    return True, MSG_MATCH
