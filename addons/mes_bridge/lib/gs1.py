"""GS1 element strings as printed on component labels (GS1-128, DataMatrix, UDI).

Only the application identifiers that matter for material verification are
interpreted; the others are kept raw so nothing scanned is lost.
"""
import datetime
import re

GROUP_SEPARATOR = '\x1d'
# AI -> (fixed length or None for variable, max length)
_AIS = {
    '00': (18, 18),   # SSCC
    '01': (14, 14),   # GTIN
    '02': (14, 14),   # GTIN of contained items
    '10': (None, 20),  # batch / lot
    '11': (6, 6),     # production date YYMMDD
    '17': (6, 6),     # expiry date YYMMDD
    '21': (None, 20),  # serial number
    '30': (None, 8),   # count
    '240': (None, 30),  # additional product id
}
# Symbology identifiers a scanner may prefix, e.g. ]d2 for GS1 DataMatrix.
_SYMBOLOGY_PREFIX = re.compile(r'^\](?:C1|d2|Q3|e0)')
_PAREN_FORM = re.compile(r'\((\d{2,4})\)([^(]*)')


def _lt(message):
    """Mark ``message`` for Odoo's term export (Python terms are extracted with the keywords
    ``_`` and ``_lt``) without importing Odoo: the Odoo caller translates it."""
    return message


class GS1Error(ValueError):
    """A label that is not well formed. ``str()`` is the English reason; ``template`` (the
    English text marked for translation) and ``params`` let a caller translate it, e.g.
    ``env._(error.template, **error.params)``."""

    def __init__(self, template, **params):
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


def looks_like_gs1(code):
    code = (code or '').strip()
    return bool(_SYMBOLOGY_PREFIX.match(code) or code.startswith('(01)')
                or code.startswith('(10)') or GROUP_SEPARATOR in code
                or (code.startswith('01') and len(code) >= 16 and code[2:16].isdigit()))


def _yymmdd(text):
    year, month, day = int(text[0:2]), int(text[2:4]), int(text[4:6])
    # GS1 general spec 7.12: the century is chosen within -49/+50 years of today;
    # for manufacturing labels 2000-2099 is the practical reading.
    year += 2000
    if day == 0:  # "00" means the last day of the month
        next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
        return next_month - datetime.timedelta(days=1)
    return datetime.date(year, month, day)


def check_digit_ok(gtin):
    digits = [int(c) for c in gtin]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def parse(code):
    """Parse a GS1 element string into a dict keyed by AI.

    Keys ``gtin``, ``lot``, ``serial``, ``expiry`` (datetime.date) and
    ``production_date`` are added for convenience. Raises GS1Error with a
    human-readable reason when the string is not well formed.
    """
    code = (code or '').strip()
    code = _SYMBOLOGY_PREFIX.sub('', code)
    elements = {}
    if code.startswith('('):
        for ai, value in _PAREN_FORM.findall(code):
            elements[ai] = value
    else:
        pos = 0
        while pos < len(code):
            if code[pos] == GROUP_SEPARATOR:
                pos += 1
                continue
            ai = next((a for a in sorted(_AIS, key=len, reverse=True) if code.startswith(a, pos)), None)
            if ai is None:
                raise GS1Error(_lt('unknown application identifier at position %(position)d'),
                               position=pos)
            pos += len(ai)
            fixed, maxlen = _AIS[ai]
            if fixed:
                value = code[pos:pos + fixed]
                if len(value) != fixed:
                    raise GS1Error(_lt('AI (%(ai)s) is truncated'), ai=ai)
                pos += fixed
            else:
                end = code.find(GROUP_SEPARATOR, pos)
                end = len(code) if end == -1 else end
                value = code[pos:end]
                if len(value) > maxlen:
                    raise GS1Error(_lt('AI (%(ai)s) is longer than %(max)d characters'), ai=ai,
                                   max=maxlen)
                pos = end
            elements[ai] = value
    if not elements:
        raise GS1Error(_lt('no GS1 element found'))
    result = dict(elements)
    if '01' in elements:
        gtin = elements['01']
        if not (gtin.isdigit() and len(gtin) == 14 and check_digit_ok(gtin)):
            raise GS1Error(_lt('GTIN %(gtin)s has a wrong check digit'), gtin=gtin)
        result['gtin'] = gtin
    if '10' in elements:
        result['lot'] = elements['10']
    if '21' in elements:
        result['serial'] = elements['21']
    for ai, key in (('17', 'expiry'), ('11', 'production_date')):
        if ai in elements:
            try:
                result[key] = _yymmdd(elements[ai])
            except ValueError as exc:
                raise GS1Error(_lt('AI (%(ai)s) is not a valid date'), ai=ai) from exc
    return result


def gtin_matches(gtin14, barcode):
    """A product barcode (EAN-13, UPC-A, GTIN-14) designates the same GTIN."""
    if not barcode or not gtin14:
        return False
    barcode = barcode.strip()
    return barcode.isdigit() and barcode.zfill(14) == gtin14
