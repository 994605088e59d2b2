"""Single sampling plans by attributes and switching rules of ISO 2859-1:1999.

Standard implemented: ISO 2859-1:1999 (second edition), "Sampling procedures for inspection by
attributes - Part 1: Sampling schemes indexed by acceptance quality limit (AQL) for lot-by-lot
inspection": Table 1 (sample size code letters), Tables 2-A, 2-B and 2-C (single sampling plans
for normal, tightened and reduced inspection) and the switching rules of clause 9.
GB/T 2828.1-2012 is an identical adoption of ISO 2859-1:1999 (same tables, same rules).
ANSI/ASQ Z1.4 and MIL-STD-105E share Table 1 and the normal and tightened tables; their reduced
table is the older one with gaps between Ac and Re (1/3, 1/4, 2/5 ...), which the 1999 edition of
ISO 2859-1 replaced by plans with Re = Ac + 1. This module implements the 1999 reduced table.

The master tables are kept as data, cell by cell as printed: a cell holds either a plan (Ac, Re)
or an arrow. Arrows are resolved as the standard's footnotes say: follow the arrow to the first
sampling plan below (or above) it and use that plan - its code letter, its sample size and its
Ac/Re. When that sample size equals or exceeds the lot size, 100 % inspection is done: the sample
size becomes the lot size (``Plan.hundred_percent``) and the plan's Ac/Re are kept.

AQLs up to 10 may express percent nonconforming or nonconformities per 100 units; the columns
above 10 (15 ... 1000) are nonconformities per 100 units only.

Sources used to cross-check the encoded data (references only, no text copied):
  [1] fjgonzalezmgt/AQLSchemesCust, R/AAZ14Single.R - R implementation of MIL-STD-105E /
      ANSI/ASQ Z1.4 Tables I, II-A, II-B, II-C (arrows already resolved).
  [2] kotaooka/sampling-calc, tests/mil105e-legible.js - Tables I and II-A/B/C machine-extracted
      from a legible copy of MIL-STD-105E (public domain, DTIC ADA284013).
  [3] cran/Planesmuestra, data/code_letter.rda and data/milstd105eplans.rda - Table I and the
      acceptance numbers after Montgomery, Introduction to Statistical Quality Control.
  [4] nihantao-crosis/quality-platform, src/core/aql.ts and
      src/core/__tests__/fixtures/gbt2828-1-2012-*.tsv - GB/T 2828.1-2012 Tables 1, 2-A, 2-B,
      2-C transcribed from the national standard.
  [5] AQL Inspector's Rule manual, aqlinspectorsrule.com ("Example 3 - Differences between ANSI
      and ISO versions", "use for AQLs below 0.065", manual notes) - edge cells, ISO vs ANSI.
  [6] www.nibs.org/FMOC/DPW_AC/AC-TABLE.ASC - text rendering of MIL-STD-105E II-A/II-B with
      arrows (AQL 0.65 to 15).
  [7] base.garant.ru/71446952 (GOST R, Table A.1 "corresponds to ISO 2859-1") - Table 1.
Agreement: Table 1 is identical in [1], [3], [4], [7] and, apart from two slips its author flags,
[2]. Table 2-A: all 416 resolved cells identical in [1], [4] and [2] (whose flagged "44 65" reads
44/45); Ac identical in [3]. Table 2-B: identical in [1], [2], [4] except one cell (letter A,
AQL 10, see _TIGHTENED); [3] alone follows an up arrow in the cells just right of the 0/1
diagonal, where [1], [2], [4], [5], [6] go down. Table 2-C (1999): from [4], confirmed by [5]
(ISO version: G at 1.0 -> J, n 32, 1/2; R at 0.015 -> P, n 315, 0/1) and by the fact that every
cell whose sample size equals the 1989 plan in [1] has its Ac inside the old Ac..Re-1 band.
"""
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

__all__ = [
    'AQL_SERIES', 'CODE_LETTERS', 'LEVELS', 'SEVERITIES', 'SAMPLE_SIZES', 'TRANSITIONS',
    'Plan', 'SwitchingState', 'code_letter', 'single_plan', 'letter_plan', 'fixed_plan',
    'hundred_percent_plan', 'zero_acceptance_plan', 'table_cell', 'tighter_aql',
    'would_accept_at_tighter_aql', 'next_state', 'force_normal', 'resume_state',
]

NORMAL, TIGHTENED, REDUCED = 'normal', 'tightened', 'reduced'
SEVERITIES = (NORMAL, TIGHTENED, REDUCED)
LEVELS = ('S-1', 'S-2', 'S-3', 'S-4', 'I', 'II', 'III')
# Table 1 letters; I and O are not used. Tightened Table 2-B also has a row S (see below).
CODE_LETTERS = tuple('ABCDEFGHJKLMNPQR')
# As printed: percent nonconforming or nonconformities per 100 units up to 10, then per 100 units.
AQL_SERIES = (
    '0.010', '0.015', '0.025', '0.040', '0.065', '0.10', '0.15', '0.25', '0.40', '0.65',
    '1.0', '1.5', '2.5', '4.0', '6.5', '10', '15', '25', '40', '65',
    '100', '150', '250', '400', '650', '1000',
)
_AQL_VALUES = {Decimal(text): text for text in AQL_SERIES}

UP, DOWN = 'up', 'down'
TRANSITIONS = (
    'normal_to_tightened', 'tightened_to_normal', 'normal_to_reduced', 'reduced_to_normal',
    'discontinued',
)

# ---------------------------------------------------------------------------------------------
# Table 1 - sample size code letters. Lot size 1 (below the table) uses the first row: the
# sample is then capped at the lot, i.e. the single unit is inspected.
# ---------------------------------------------------------------------------------------------
_TABLE_1 = (
    # lot size range      S-1  S-2  S-3  S-4   I    II  III
    (2, 8,                'A    A    A    A    A    A    B'),
    (9, 15,               'A    A    A    A    A    B    C'),
    (16, 25,              'A    A    B    B    B    C    D'),
    (26, 50,              'A    B    B    C    C    D    E'),
    (51, 90,              'B    B    C    C    C    E    F'),
    (91, 150,             'B    B    C    D    D    F    G'),
    (151, 280,            'B    C    D    E    E    G    H'),
    (281, 500,            'B    C    D    E    F    H    J'),
    (501, 1200,           'C    C    E    F    G    J    K'),
    (1201, 3200,          'C    D    E    G    H    K    L'),
    (3201, 10000,         'C    D    F    G    J    L    M'),
    (10001, 35000,        'C    D    F    H    K    M    N'),
    (35001, 150000,       'D    E    G    J    L    N    P'),
    (150001, 500000,      'D    E    G    J    M    P    Q'),
    (500001, None,        'D    E    H    K    N    Q    R'),  # 500 001 and over
)

# Sample size of each code letter, per master table. The reduced table uses smaller samples
# for the same letter (K = 50 there, 125 in 2-A/2-B); S exists only in the tightened table.
SAMPLE_SIZES = MappingProxyType({
    NORMAL: MappingProxyType(dict(zip(
        CODE_LETTERS, (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)))),
    TIGHTENED: MappingProxyType(dict(zip(
        CODE_LETTERS + ('S',),
        (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150)))),
    REDUCED: MappingProxyType(dict(zip(
        CODE_LETTERS, (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800)))),
})

# ---------------------------------------------------------------------------------------------
# Master tables, written the way they are printed: each cell is "Ac/Re", "v" (arrow down: use
# the first plan below), "^" (arrow up: use the first plan above) or "-" (blank, no plan).
# Every table is split in two blocks of 13 AQL columns so that a line stays readable.
# ---------------------------------------------------------------------------------------------
# Letter A at AQL 10 has no plan above it: its arrow can only lead down (to C, n 5, 1/2).
_NORMAL = ('''
      0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
    A     v     v     v     v     v     v     v     v     v     v     v     v     v
    B     v     v     v     v     v     v     v     v     v     v     v     v     v
    C     v     v     v     v     v     v     v     v     v     v     v     v   0/1
    D     v     v     v     v     v     v     v     v     v     v     v   0/1     ^
    E     v     v     v     v     v     v     v     v     v     v   0/1     ^     v
    F     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2
    G     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3
    H     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4
    J     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6
    K     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8
    L     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11
    M     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15
    N     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22
    P     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^
    Q   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^
    R     ^     ^   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^
''', '''
        4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
    A     v   0/1     v     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
    B   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45
    C     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^
    D     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^
    E   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^     ^
    F   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^
    G   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^
    H   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^
    J   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^
    K 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    L 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    M 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    N     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    P     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    Q     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    R     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
''')

# Row S (n = 3150) has a single plan, 1/2 at AQL 0.025, reached from Q and R by the down arrows.
# Letter A, AQL 10: written as an arrow down (-> D, n 8, 1/2) as in MIL-STD-105E / Z1.4 [1] [2]
# [6] and the Inspector's Rule note [5]; the GB/T 2828.1-2012 transcription [4] shows 0/1 in that
# cell instead. This is the one cell where the sources disagree.
_TIGHTENED = ('''
      0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
    A     v     v     v     v     v     v     v     v     v     v     v     v     v
    B     v     v     v     v     v     v     v     v     v     v     v     v     v
    C     v     v     v     v     v     v     v     v     v     v     v     v     v
    D     v     v     v     v     v     v     v     v     v     v     v     v   0/1
    E     v     v     v     v     v     v     v     v     v     v     v   0/1     v
    F     v     v     v     v     v     v     v     v     v     v   0/1     v     v
    G     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2
    H     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3
    J     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4
    K     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6
    L     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9
    M     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13
    N     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19
    P     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^
    Q     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^
    R   0/1     ^     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^
    S     -     -   1/2     -     -     -     -     -     -     -     -     -     -
''', '''
        4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
    A     v     v     v     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28
    B     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42
    C   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^
    D     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^
    E     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^     ^
    F   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^
    G   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^
    H   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^
    J   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^
    K   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    L 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    M 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    N     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    P     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    Q     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    R     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    S     -     -     -     -     -     -     -     -     -     -     -     -     -
''')

# 1999 edition: Re = Ac + 1 in every cell (the 1989 edition and Z1.4 have 0/2, 1/3, 1/4, 2/5 ...
# with "accept but reinstate normal" between Ac and Re). Note 6/7 and 8/9, and rows A and B
# (n = 2 like letter A of 2-A) which repeat the normal plans of letter A.
_REDUCED = ('''
      0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5
    A     v     v     v     v     v     v     v     v     v     v     v     v     v
    B     v     v     v     v     v     v     v     v     v     v     v     v     v
    C     v     v     v     v     v     v     v     v     v     v     v     v   0/1
    D     v     v     v     v     v     v     v     v     v     v     v   0/1     ^
    E     v     v     v     v     v     v     v     v     v     v   0/1     ^     v
    F     v     v     v     v     v     v     v     v     v   0/1     ^     v     v
    G     v     v     v     v     v     v     v     v   0/1     ^     v     v   1/2
    H     v     v     v     v     v     v     v   0/1     ^     v     v   1/2   2/3
    J     v     v     v     v     v     v   0/1     ^     v     v   1/2   2/3   3/4
    K     v     v     v     v     v   0/1     ^     v     v   1/2   2/3   3/4   5/6
    L     v     v     v     v   0/1     ^     v     v   1/2   2/3   3/4   5/6   6/7
    M     v     v     v   0/1     ^     v     v   1/2   2/3   3/4   5/6   6/7   8/9
    N     v     v   0/1     ^     v     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11
    P     v   0/1     ^     v     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ^
    Q   0/1     ^     ^     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ^     ^
    R     ^     ^     ^   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ^     ^     ^
''', '''
        4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
    A     v   0/1     v     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
    B   0/1     ^     v     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
    C     ^     v     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ^
    D     v     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ^     ^
    E     v   1/2   2/3   3/4   5/6   6/7   8/9 10/11 14/15 21/22     ^     ^     ^
    F   1/2   2/3   3/4   5/6   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^
    G   2/3   3/4   5/6   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^     ^
    H   3/4   5/6   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^     ^     ^
    J   5/6   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^     ^     ^     ^
    K   6/7   8/9 10/11     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    L   8/9 10/11     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    M 10/11     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    N     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    P     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    Q     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
    R     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
''')


def _parse_table(blocks):
    """{letter: {aql: (Ac, Re) | 'up' | 'down' | None}} from the printed-layout blocks."""
    table = {}
    columns = []
    for block in blocks:
        header, *rows = block.strip('\n').splitlines()
        aqls = header.split()
        columns += aqls
        for line in rows:
            letter, *cells = line.split()
            if len(cells) != len(aqls):
                raise AssertionError('row %s: %d cells, %d AQLs' % (letter, len(cells), len(aqls)))
            row = table.setdefault(letter, {})
            for aql, cell in zip(aqls, cells):
                if cell == 'v':
                    row[aql] = DOWN
                elif cell == '^':
                    row[aql] = UP
                elif cell == '-':
                    row[aql] = None
                else:
                    ac, re = (int(part) for part in cell.split('/'))
                    row[aql] = (ac, re)
    if tuple(columns) != AQL_SERIES:
        raise AssertionError('master table columns differ from AQL_SERIES')
    return table


_MASTER = {
    NORMAL: _parse_table(_NORMAL),
    TIGHTENED: _parse_table(_TIGHTENED),
    REDUCED: _parse_table(_REDUCED),
}


@dataclass(frozen=True)
class Plan:
    """A single sampling plan: inspect ``sample_size`` units, accept the lot iff the count of
    nonconforming units (or nonconformities) is at most ``ac``; ``re`` = ``ac`` + 1 rejects.

    ``code_letter``, ``severity`` and ``aql`` are None for plans not taken from the master tables
    (fixed, zero-acceptance and 100 % plans). ``initial_code_letter`` is the Table 1 letter before
    any arrow was followed.
    """
    code_letter: str | None
    sample_size: int
    ac: int
    re: int
    hundred_percent: bool
    severity: str | None
    aql: str | None
    initial_code_letter: str | None = None
    lot_size: int | None = None

    def __post_init__(self):
        for name in ('sample_size', 'ac', 're'):
            if not _is_int(getattr(self, name)):
                raise ValueError('%s must be an integer' % name)
        if self.sample_size < 1 or self.ac < 0 or self.re != self.ac + 1:
            raise ValueError('a single sampling plan needs sample_size >= 1, ac >= 0, re = ac + 1')
        if not isinstance(self.hundred_percent, bool):
            raise ValueError('hundred_percent must be a bool')

    def decide(self, nonconforming: int) -> bool:
        """True if the lot is accepted: ``nonconforming`` <= Ac (so >= Re rejects it)."""
        _check_count(nonconforming, 'nonconforming')
        return nonconforming <= self.ac


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_count(value, name, minimum=0):
    if not _is_int(value):
        raise ValueError('%s must be an integer, got %r' % (name, value))
    if value < minimum:
        raise ValueError('%s must be >= %d, got %d' % (name, minimum, value))


def _check_bool(value, name):
    if not isinstance(value, bool):
        raise ValueError('%s must be True or False, got %r' % (name, value))


def _aql_key(aql):
    """The AQL as printed in the series ('0.65', '1.0', '10'); ValueError if not in it."""
    if isinstance(aql, bool) or not isinstance(aql, (str, int, float, Decimal)):
        raise ValueError('AQL must be a number or a string, got %r' % (aql,))
    try:
        # repr() of a float is its shortest form (0.65, not 0.6500000000000000222)
        value = Decimal(aql.strip() if isinstance(aql, str) else repr(aql)
                        if isinstance(aql, float) else aql)
    except (InvalidOperation, ValueError):
        raise ValueError('AQL %r is not a number' % (aql,)) from None
    if not value.is_finite() or value not in _AQL_VALUES:
        raise ValueError('AQL %r is not in the ISO 2859-1 series (%s)'
                         % (aql, ', '.join(AQL_SERIES)))
    return _AQL_VALUES[value]


def _check_severity(severity):
    if severity not in SEVERITIES:
        raise ValueError('severity must be one of %s, got %r' % (', '.join(SEVERITIES), severity))


def code_letter(lot_size: int, level: str) -> str:
    """Table 1: the sample size code letter for a lot size and an inspection level."""
    _check_count(lot_size, 'lot size', 1)
    if level not in LEVELS:
        raise ValueError('inspection level must be one of %s, got %r' % (', '.join(LEVELS), level))
    column = LEVELS.index(level)
    for _low, high, letters in _TABLE_1:
        if high is None or lot_size <= high:
            return letters.split()[column]
    raise AssertionError('unreachable: the last row of Table 1 is open-ended')


def table_cell(severity: str, letter: str, aql) -> tuple | str | None:
    """The raw cell of a master table: (Ac, Re), 'up', 'down' or None (blank cell)."""
    _check_severity(severity)
    if letter not in _MASTER[severity]:
        raise ValueError('code letter %r is not in the %s table' % (letter, severity))
    return _MASTER[severity][letter][_aql_key(aql)]


def _resolve(severity, letter, aql):
    """Follow arrows from (letter, aql) to the first plan: (final letter, Ac, Re)."""
    letters = list(_MASTER[severity])
    index = letters.index(letter)
    while True:
        cell = _MASTER[severity][letters[index]][aql]
        if cell == DOWN:
            index += 1
        elif cell == UP:
            index -= 1
        elif cell is None:
            raise AssertionError('blank cell reached at %s/%s' % (letters[index], aql))
        else:
            return letters[index], cell[0], cell[1]
        if not 0 <= index < len(letters):
            raise AssertionError('arrow leaves the %s table at %s/%s' % (severity, letter, aql))


def letter_plan(letter: str, aql, severity: str = NORMAL) -> Plan:
    """The master-table plan for a code letter (arrows followed), before any lot-size capping."""
    _check_severity(severity)
    if letter not in CODE_LETTERS:
        raise ValueError('code letter must be one of %s, got %r' % (''.join(CODE_LETTERS), letter))
    aql = _aql_key(aql)
    final, ac, re = _resolve(severity, letter, aql)
    return Plan(code_letter=final, sample_size=SAMPLE_SIZES[severity][final], ac=ac, re=re,
                hundred_percent=False, severity=severity, aql=aql, initial_code_letter=letter)


def single_plan(lot_size: int, level: str, aql, severity: str = NORMAL) -> Plan:
    """The single sampling plan of Table 2-A/2-B/2-C for a lot: Table 1 letter, arrows
    followed, then 100 % inspection when the sample size equals or exceeds the lot size."""
    plan = letter_plan(code_letter(lot_size, level), aql, severity)
    return replace(plan, sample_size=min(plan.sample_size, lot_size),
                   hundred_percent=plan.sample_size >= lot_size, lot_size=lot_size)


def fixed_plan(lot_size: int, n: int, ac: int = 0) -> Plan:
    """A plan with a given sample size and acceptance number (outside the AQL tables), e.g. a
    customer or risk-based plan; capped at the lot size like the table plans."""
    _check_count(lot_size, 'lot size', 1)
    _check_count(n, 'sample size', 1)
    _check_count(ac, 'acceptance number')
    if ac >= n:
        raise ValueError('acceptance number %d must be below the sample size %d' % (ac, n))
    return Plan(code_letter=None, sample_size=min(n, lot_size), ac=ac, re=ac + 1,
                hundred_percent=n >= lot_size, severity=None, aql=None, lot_size=lot_size)


def hundred_percent_plan(lot_size: int, ac: int = 0) -> Plan:
    """Every unit of the lot is inspected; the lot is accepted with at most ``ac`` found."""
    _check_count(lot_size, 'lot size', 1)
    return fixed_plan(lot_size, lot_size, ac)


def zero_acceptance_plan(lot_size: int, n: int) -> Plan:
    """c = 0 plan: the lot is accepted only if the sample has no nonconforming unit (Re = 1)."""
    return fixed_plan(lot_size, n, 0)


def tighter_aql(aql) -> str | None:
    """The next smaller AQL of the series ('0.65' -> '0.40'), None for the smallest (0.010)."""
    index = AQL_SERIES.index(_aql_key(aql))
    return AQL_SERIES[index - 1] if index else None


def would_accept_at_tighter_aql(plan: Plan, nonconforming: int) -> bool | None:
    """For the switching score (9.3.3.2 a) 1)): would this lot have been accepted had the AQL
    been one step tighter? Answered with Table 2-A at the plan's own code letter (same sample).
    None when the rule does not apply (Ac below 2, or no tighter AQL)."""
    if not isinstance(plan, Plan) or plan.severity != NORMAL:
        raise ValueError('the switching score is kept on normal inspection plans only')
    _check_count(nonconforming, 'nonconforming')
    tighter = tighter_aql(plan.aql)
    if plan.ac < 2 or tighter is None:
        return None
    # In Table 2-A a plan with Ac >= 2 always has a plan (Ac >= 1) in the cell on its left, so
    # the tighter plan uses the same code letter and sample size.
    letter, ac, _re = _resolve(NORMAL, plan.code_letter, tighter)
    if letter != plan.code_letter:
        raise AssertionError('no tighter plan on row %s' % plan.code_letter)
    return nonconforming <= ac


# ---------------------------------------------------------------------------------------------
# Switching rules, clause 9
# ---------------------------------------------------------------------------------------------
_WINDOW = 5  # both "2 out of 5 or fewer consecutive lots" and "5 consecutive lots accepted"
_SCORE_FOR_REDUCED = 30
_DISCONTINUE_AFTER = 5


@dataclass(frozen=True)
class SwitchingState:
    """Where a product/characteristic stream stands in the switching scheme.

    ``history`` holds the results (True = accepted) of the last lots (at most 5) on original
    inspection under the current severity; it restarts empty at every switch. The switching
    score is only kept on normal inspection and starts at zero whenever normal inspection starts
    (9.3.3.2). ``not_accepted_on_tightened`` counts the lots not accepted since tightened
    inspection started (9.4).
    """
    severity: str = NORMAL
    history: tuple[bool, ...] = ()
    consecutive_accepted: int = 0
    switching_score: int = 0
    not_accepted_on_tightened: int = 0
    discontinued: bool = False

    def __post_init__(self):
        _check_severity(self.severity)
        if not isinstance(self.history, tuple) or not all(
                isinstance(item, bool) for item in self.history):
            raise ValueError('history must be a tuple of booleans')
        for name in ('consecutive_accepted', 'switching_score', 'not_accepted_on_tightened'):
            _check_count(getattr(self, name), name)
        _check_bool(self.discontinued, 'discontinued')
        if self.discontinued and self.severity != TIGHTENED:
            raise ValueError('only tightened inspection can be discontinued')


def _start(severity):
    return SwitchingState(severity=severity)


def _switching_score(score, accepted, plan, accepted_at_tighter_aql):
    """9.3.3.2 a), single sampling."""
    if not accepted:
        return 0
    if plan.ac >= 2:
        if accepted_at_tighter_aql is None:
            raise ValueError('accepted_at_tighter_aql is required for an accepted lot when Ac >= 2 '
                             '(ISO 2859-1 9.3.3.2); see would_accept_at_tighter_aql()')
        return score + 3 if accepted_at_tighter_aql else 0
    return score + 2


def next_state(state: SwitchingState, accepted: bool, plan: Plan, *,
               accepted_at_tighter_aql: bool | None = None, production_steady: bool = True,
               reduced_approved: bool = False,
               force_normal: bool = False) -> tuple[SwitchingState, str | None]:
    """Apply the result of one lot on original inspection (resubmitted lots must not be fed in).

    Returns (new state, transition) where transition is None or one of TRANSITIONS.
    ``plan`` is the plan the lot was inspected with; it must belong to the current severity.
    ``accepted_at_tighter_aql`` is needed on normal inspection for an accepted lot whose plan
    has Ac >= 2. ``production_steady`` False and ``force_normal`` True (other conditions decided
    by the responsible authority) end reduced inspection after this lot.
    """
    if not isinstance(state, SwitchingState):
        raise ValueError('state must be a SwitchingState')
    if state.discontinued:
        raise ValueError('inspection is discontinued (ISO 2859-1 9.4): no lot may be inspected '
                         'until the supplier has acted and resume_state() is called')
    _check_bool(accepted, 'accepted')
    _check_bool(production_steady, 'production_steady')
    _check_bool(reduced_approved, 'reduced_approved')
    _check_bool(force_normal, 'force_normal')
    if accepted_at_tighter_aql is not None:
        _check_bool(accepted_at_tighter_aql, 'accepted_at_tighter_aql')
        if accepted_at_tighter_aql and not accepted:
            raise ValueError('a lot not accepted cannot be accepted at a tighter AQL')
    if not isinstance(plan, Plan) or plan.severity is None:
        raise ValueError('the switching rules apply to plans of Tables 2-A, 2-B and 2-C only')
    if plan.severity != state.severity:
        raise ValueError('the lot was inspected with a %s plan while %s inspection is in effect'
                         % (plan.severity, state.severity))

    history = (state.history + (accepted,))[-_WINDOW:]
    consecutive = state.consecutive_accepted + 1 if accepted else 0
    if state.severity == NORMAL:
        # 9.3.1: 2 lots not accepted within 5 or fewer consecutive lots (the last 5 lots)
        if not accepted and history.count(False) >= 2:
            return _start(TIGHTENED), 'normal_to_tightened'
        score = _switching_score(state.switching_score, accepted, plan, accepted_at_tighter_aql)
        # 9.3.3.1: score at least 30 AND steady production AND approval by the authority
        if score >= _SCORE_FOR_REDUCED and production_steady and reduced_approved:
            return _start(REDUCED), 'normal_to_reduced'
        return replace(state, history=history, consecutive_accepted=consecutive,
                       switching_score=score), None
    if state.severity == TIGHTENED:
        if force_normal:
            raise ValueError('tightened inspection ends only after 5 consecutive lots accepted')
        if accepted:
            if consecutive >= _WINDOW:  # 9.3.2: 5 consecutive lots accepted
                return _start(NORMAL), 'tightened_to_normal'
            return replace(state, history=history, consecutive_accepted=consecutive), None
        refused = state.not_accepted_on_tightened + 1
        if refused >= _DISCONTINUE_AFTER:  # 9.4
            return replace(state, history=history, consecutive_accepted=0,
                           not_accepted_on_tightened=refused, discontinued=True), 'discontinued'
        return replace(state, history=history, consecutive_accepted=0,
                       not_accepted_on_tightened=refused), None
    # reduced, 9.3.4: any lot not accepted, irregular/delayed production or other conditions
    if not accepted or not production_steady or force_normal:
        return _start(NORMAL), 'reduced_to_normal'
    return replace(state, history=history, consecutive_accepted=consecutive), None


def force_normal(state: SwitchingState) -> tuple[SwitchingState, str | None]:
    """Reinstate normal inspection from reduced inspection between lots (9.3.4 c): other
    conditions warrant it). A no-op on normal inspection; refused on tightened inspection."""
    if not isinstance(state, SwitchingState):
        raise ValueError('state must be a SwitchingState')
    if state.severity == REDUCED:
        return _start(NORMAL), 'reduced_to_normal'
    if state.severity == NORMAL:
        return state, None
    raise ValueError('tightened inspection ends only after 5 consecutive lots accepted')


def resume_state(state: SwitchingState) -> SwitchingState:
    """After discontinuation (9.4) and the supplier's corrective action: restart at tightened
    inspection, with its counters at zero."""
    if not isinstance(state, SwitchingState) or not state.discontinued:
        raise ValueError('only a discontinued inspection can be resumed')
    return _start(TIGHTENED)


def _self_check():
    """Every cell of rows A..R must lead to a plan, with Re = Ac + 1 (single sampling, 1999)."""
    for severity, table in _MASTER.items():
        expected = CODE_LETTERS + (('S',) if severity == TIGHTENED else ())
        if tuple(table) != expected or set(SAMPLE_SIZES[severity]) != set(expected):
            raise AssertionError('%s table rows differ from its code letters' % severity)
        for row in table.values():
            for cell in row.values():
                if isinstance(cell, tuple) and cell[1] != cell[0] + 1:
                    raise AssertionError('Re must be Ac + 1, got %r' % (cell,))
        for letter in CODE_LETTERS:
            for aql in AQL_SERIES:
                _resolve(severity, letter, aql)


_self_check()


# -- the signed decision that starts reduced inspection ------------------------------------
# mes_quality takes the responsible authority's approval (9.3.3.1 c) as a signed record of its
# own, between lots, rather than as a flag on the next lot's result.
REDUCED_SWITCHING_SCORE = _SCORE_FOR_REDUCED


def reduce_state(state: SwitchingState) -> SwitchingState:
    """Start reduced inspection now that the authority approved it: only from normal
    inspection with a switching score of at least 30 (production steadiness is the approver's
    statement)."""
    if not isinstance(state, SwitchingState):
        raise ValueError('state must be a SwitchingState')
    if state.severity != NORMAL or state.discontinued:
        raise ValueError('reduced inspection follows normal inspection only')
    if state.switching_score < _SCORE_FOR_REDUCED:
        raise ValueError('the switching score is %s: reduced inspection needs %s'
                         % (state.switching_score, _SCORE_FOR_REDUCED))
    return _start(REDUCED)
