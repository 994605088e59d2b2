"""Parsing and judging of measured values entered on the shop floor.

Kept free of the ORM so the rules an auditor asks about ("how is 4,995 rounded,
is the limit inclusive?") can be read and tested in isolation.
"""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Plain decimal notation only (full-width digits from a Chinese input method count as digits): digits, one decimal point or comma, an optional sign. No
# exponent ("1e30"), no digit separators ("2_3_0", "2 300"), nothing Python would also accept.
_NUMBER = re.compile(r'^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$')
# More digits than any instrument gives: refused rather than rounded away
MAX_DIGITS = 15

IN_LIMITS = 'pass'
BELOW_LIMIT = 'low'
ABOVE_LIMIT = 'high'


class MeasurementError(ValueError):
    """The entered text is not a usable number. ``args[0]`` is the raw text."""


def parse_value(raw):
    """Return the Decimal an operator meant by ``raw``.

    Accepts a decimal comma (common on European and Chinese keyboards set to
    other locales), surrounding blanks and a leading sign; refuses thousands
    separators, units and anything ambiguous rather than guessing.
    """
    if raw is None:
        raise MeasurementError(raw)
    text = str(raw).strip()
    if not text:
        raise MeasurementError(raw)
    if not _NUMBER.match(text) or sum(c.isdigit() for c in text) > MAX_DIGITS:
        raise MeasurementError(raw)
    text = text.replace(',', '.')
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise MeasurementError(raw) from exc
    if not value.is_finite():
        raise MeasurementError(raw)
    return value


def round_value(value, decimals):
    """Round half-up to the step's resolution, as a reviewer would by hand."""
    decimals = max(int(decimals or 0), 0)
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def judge(value, lower=None, upper=None, decimals=None):
    """Compare a value with inclusive limits after rounding to the resolution.

    ``lower``/``upper`` of None mean a one-sided specification.
    Returns IN_LIMITS, BELOW_LIMIT or ABOVE_LIMIT.
    """
    value = Decimal(value)
    if decimals is not None:
        value = round_value(value, decimals)
    if lower is not None and value < Decimal(str(lower)):
        return BELOW_LIMIT
    if upper is not None and value > Decimal(str(upper)):
        return ABOVE_LIMIT
    return IN_LIMITS
