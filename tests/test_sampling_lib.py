"""Tests of sampling.py: ISO 2859-1:1999 (= GB/T 2828.1-2012) single sampling plans and the
switching rules of clause 9. Plain Python, no Odoo: the module is loaded from its file.

The expected values below are typed from the public sources listed in the module docstring
(Table 1 as printed; the resolved master tables as transcribed in GB/T 2828.1-2012 [4], equal for
2-A and 2-B to MIL-STD-105E [1] [2]), never generated from the module under test.
"""
import importlib.util
import os
from decimal import Decimal

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def _load():
    spec = importlib.util.spec_from_file_location('iso2859_sampling',
                                                  os.path.join(os.path.dirname(HERE), 'addons',
                                                               'mes_quality', 'lib',
                                                               'sampling.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


s = _load()

# --------------------------------------------------------------------------------------------
# Table 1 - sample size code letters, both ends of every lot-size range, every level
# --------------------------------------------------------------------------------------------
TABLE_1 = [
    # low, high,     S-1 S-2 S-3 S-4 I II III
    (2, 8, 'AAAAAAB'),
    (9, 15, 'AAAAABC'),
    (16, 25, 'AABBBCD'),
    (26, 50, 'ABBCCDE'),
    (51, 90, 'BBCCCEF'),
    (91, 150, 'BBCDDFG'),
    (151, 280, 'BCDEEGH'),
    (281, 500, 'BCDEFHJ'),
    (501, 1200, 'CCEFGJK'),
    (1201, 3200, 'CDEGHKL'),
    (3201, 10000, 'CDFGJLM'),
    (10001, 35000, 'CDFHKMN'),
    (35001, 150000, 'DEGJLNP'),
    (150001, 500000, 'DEGJMPQ'),
    (500001, 10 ** 9, 'DEHKNQR'),  # "500 001 and over": checked at a very large lot too
]
LEVELS = ('S-1', 'S-2', 'S-3', 'S-4', 'I', 'II', 'III')


@pytest.mark.parametrize('lot_size, level, letter', [
    (lot, level, letters[column])
    for low, high, letters in TABLE_1
    for lot in (low, high)
    for column, level in enumerate(LEVELS)])
def test_table_1_code_letter(lot_size, level, letter):
    assert s.code_letter(lot_size, level) == letter


@pytest.mark.parametrize('level, letter', list(zip(LEVELS, 'AAAAAAB')))
def test_table_1_lot_of_one_uses_first_row(level, letter):
    assert s.code_letter(1, level) == letter


def test_public_constants():
    assert s.LEVELS == LEVELS
    assert s.SEVERITIES == ('normal', 'tightened', 'reduced')
    assert s.CODE_LETTERS == tuple('ABCDEFGHJKLMNPQR')
    assert s.AQL_SERIES == (
        '0.010', '0.015', '0.025', '0.040', '0.065', '0.10', '0.15', '0.25', '0.40', '0.65',
        '1.0', '1.5', '2.5', '4.0', '6.5', '10', '15', '25', '40', '65', '100', '150', '250',
        '400', '650', '1000')


# --------------------------------------------------------------------------------------------
# Sample size per code letter in each master table
# --------------------------------------------------------------------------------------------
NORMAL_N = dict(zip('ABCDEFGHJKLMNPQR',
                    (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)))
TIGHTENED_N = dict(NORMAL_N, S=3150)
REDUCED_N = dict(zip('ABCDEFGHJKLMNPQR',
                     (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800)))


def test_sample_sizes_per_code_letter():
    assert dict(s.SAMPLE_SIZES['normal']) == NORMAL_N
    assert dict(s.SAMPLE_SIZES['tightened']) == TIGHTENED_N
    assert dict(s.SAMPLE_SIZES['reduced']) == REDUCED_N


@pytest.mark.parametrize('severity, letter, aql, n', [
    # cells holding a plan on their own row: the plan uses that row's sample size
    ('normal', 'A', '6.5', 2), ('normal', 'K', '0.10', 125), ('normal', 'R', '0.025', 2000),
    ('tightened', 'B', '6.5', 3), ('tightened', 'R', '0.010', 2000),
    ('reduced', 'C', '2.5', 2), ('reduced', 'D', '1.5', 3), ('reduced', 'K', '0.10', 50),
    ('reduced', 'R', '0.040', 800)])
def test_sample_size_of_own_row(severity, letter, aql, n):
    plan = s.letter_plan(letter, aql, severity)
    assert (plan.code_letter, plan.sample_size) == (letter, n)


RESOLVED = {
    'normal': {
        'A': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 D8:0 C5:0 '
            'B3:0 A2:0 C5:1 B3:1 A2:1 A2:2 A2:3 A2:5 A2:7 A2:10 A2:14 A2:21 A2:30'
        ),
        'B': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 D8:0 C5:0 '
            'B3:0 A2:0 C5:1 B3:1 B3:2 B3:3 B3:5 B3:7 B3:10 B3:14 B3:21 B3:30 B3:44'
        ),
        'C': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 D8:0 C5:0 '
            'B3:0 D8:1 C5:1 C5:2 C5:3 C5:5 C5:7 C5:10 C5:14 C5:21 C5:30 C5:44 B3:44'
        ),
        'D': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 D8:0 C5:0 '
            'E13:1 D8:1 D8:2 D8:3 D8:5 D8:7 D8:10 D8:14 D8:21 D8:30 D8:44 C5:44 B3:44'
        ),
        'E': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 D8:0 F20:1 '
            'E13:1 E13:2 E13:3 E13:5 E13:7 E13:10 E13:14 E13:21 E13:30 E13:44 D8:44 C5:44 B3:44'
        ),
        'F': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 G32:1 F20:1 '
            'F20:2 F20:3 F20:5 F20:7 F20:10 F20:14 F20:21 E13:21 E13:30 E13:44 D8:44 C5:44 B3:44'
        ),
        'G': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 H50:1 G32:1 G32:2 '
            'G32:3 G32:5 G32:7 G32:10 G32:14 G32:21 F20:21 E13:21 E13:30 E13:44 D8:44 C5:44 B3:44'
        ),
        'H': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 J80:1 H50:1 H50:2 H50:3 '
            'H50:5 H50:7 H50:10 H50:14 H50:21 G32:21 F20:21 E13:21 E13:30 E13:44 D8:44 C5:44 '
            'B3:44'
        ),
        'J': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 K125:1 J80:1 J80:2 J80:3 '
            'J80:5 J80:7 J80:10 J80:14 J80:21 H50:21 G32:21 F20:21 E13:21 E13:30 E13:44 D8:44 '
            'C5:44 B3:44'
        ),
        'K': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 L200:1 K125:1 K125:2 K125:3 K125:5 '
            'K125:7 K125:10 K125:14 K125:21 J80:21 H50:21 G32:21 F20:21 E13:21 E13:30 E13:44 '
            'D8:44 C5:44 B3:44'
        ),
        'L': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 M315:1 L200:1 L200:2 L200:3 L200:5 L200:7 '
            'L200:10 L200:14 L200:21 K125:21 J80:21 H50:21 G32:21 F20:21 E13:21 E13:30 E13:44 '
            'D8:44 C5:44 B3:44'
        ),
        'M': (
            'Q1250:0 P800:0 N500:0 M315:0 L200:0 N500:1 M315:1 M315:2 M315:3 M315:5 M315:7 '
            'M315:10 M315:14 M315:21 L200:21 K125:21 J80:21 H50:21 G32:21 F20:21 E13:21 E13:30 '
            'E13:44 D8:44 C5:44 B3:44'
        ),
        'N': (
            'Q1250:0 P800:0 N500:0 M315:0 P800:1 N500:1 N500:2 N500:3 N500:5 N500:7 N500:10 '
            'N500:14 N500:21 M315:21 L200:21 K125:21 J80:21 H50:21 G32:21 F20:21 E13:21 E13:30 '
            'E13:44 D8:44 C5:44 B3:44'
        ),
        'P': (
            'Q1250:0 P800:0 N500:0 Q1250:1 P800:1 P800:2 P800:3 P800:5 P800:7 P800:10 P800:14 '
            'P800:21 N500:21 M315:21 L200:21 K125:21 J80:21 H50:21 G32:21 F20:21 E13:21 E13:30 '
            'E13:44 D8:44 C5:44 B3:44'
        ),
        'Q': (
            'Q1250:0 P800:0 R2000:1 Q1250:1 Q1250:2 Q1250:3 Q1250:5 Q1250:7 Q1250:10 Q1250:14 '
            'Q1250:21 P800:21 N500:21 M315:21 L200:21 K125:21 J80:21 H50:21 G32:21 F20:21 E13:21 '
            'E13:30 E13:44 D8:44 C5:44 B3:44'
        ),
        'R': (
            'Q1250:0 P800:0 R2000:1 R2000:2 R2000:3 R2000:5 R2000:7 R2000:10 R2000:14 R2000:21 '
            'Q1250:21 P800:21 N500:21 M315:21 L200:21 K125:21 J80:21 H50:21 G32:21 F20:21 E13:21 '
            'E13:30 E13:44 D8:44 C5:44 B3:44'
        ),
    },
    'tightened': {
        'A': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 '
            'D8:0 C5:0 B3:0 D8:1 C5:1 B3:1 A2:1 A2:2 A2:3 A2:5 A2:8 A2:12 A2:18 A2:27'
        ),
        'B': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 '
            'D8:0 C5:0 B3:0 D8:1 C5:1 B3:1 B3:2 B3:3 B3:5 B3:8 B3:12 B3:18 B3:27 B3:41'
        ),
        'C': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 '
            'D8:0 C5:0 E13:1 D8:1 C5:1 C5:2 C5:3 C5:5 C5:8 C5:12 C5:18 C5:27 C5:41 B3:41'
        ),
        'D': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 '
            'D8:0 F20:1 E13:1 D8:1 D8:2 D8:3 D8:5 D8:8 D8:12 D8:18 D8:27 D8:41 C5:41 B3:41'
        ),
        'E': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 E13:0 '
            'G32:1 F20:1 E13:1 E13:2 E13:3 E13:5 E13:8 E13:12 E13:18 E13:27 E13:41 D8:41 C5:41 '
            'B3:41'
        ),
        'F': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 F20:0 H50:1 '
            'G32:1 F20:1 F20:2 F20:3 F20:5 F20:8 F20:12 F20:18 E13:18 E13:27 E13:41 D8:41 C5:41 '
            'B3:41'
        ),
        'G': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 G32:0 J80:1 H50:1 '
            'G32:1 G32:2 G32:3 G32:5 G32:8 G32:12 G32:18 F20:18 E13:18 E13:27 E13:41 D8:41 C5:41 '
            'B3:41'
        ),
        'H': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 H50:0 K125:1 J80:1 H50:1 '
            'H50:2 H50:3 H50:5 H50:8 H50:12 H50:18 G32:18 F20:18 E13:18 E13:27 E13:41 D8:41 C5:41 '
            'B3:41'
        ),
        'J': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 J80:0 L200:1 K125:1 J80:1 J80:2 '
            'J80:3 J80:5 J80:8 J80:12 J80:18 H50:18 G32:18 F20:18 E13:18 E13:27 E13:41 D8:41 '
            'C5:41 B3:41'
        ),
        'K': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 K125:0 M315:1 L200:1 K125:1 K125:2 '
            'K125:3 K125:5 K125:8 K125:12 K125:18 J80:18 H50:18 G32:18 F20:18 E13:18 E13:27 '
            'E13:41 D8:41 C5:41 B3:41'
        ),
        'L': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 L200:0 N500:1 M315:1 L200:1 L200:2 L200:3 '
            'L200:5 L200:8 L200:12 L200:18 K125:18 J80:18 H50:18 G32:18 F20:18 E13:18 E13:27 '
            'E13:41 D8:41 C5:41 B3:41'
        ),
        'M': (
            'R2000:0 Q1250:0 P800:0 N500:0 M315:0 P800:1 N500:1 M315:1 M315:2 M315:3 M315:5 '
            'M315:8 M315:12 M315:18 L200:18 K125:18 J80:18 H50:18 G32:18 F20:18 E13:18 E13:27 '
            'E13:41 D8:41 C5:41 B3:41'
        ),
        'N': (
            'R2000:0 Q1250:0 P800:0 N500:0 Q1250:1 P800:1 N500:1 N500:2 N500:3 N500:5 N500:8 '
            'N500:12 N500:18 M315:18 L200:18 K125:18 J80:18 H50:18 G32:18 F20:18 E13:18 E13:27 '
            'E13:41 D8:41 C5:41 B3:41'
        ),
        'P': (
            'R2000:0 Q1250:0 P800:0 R2000:1 Q1250:1 P800:1 P800:2 P800:3 P800:5 P800:8 P800:12 '
            'P800:18 N500:18 M315:18 L200:18 K125:18 J80:18 H50:18 G32:18 F20:18 E13:18 E13:27 '
            'E13:41 D8:41 C5:41 B3:41'
        ),
        'Q': (
            'R2000:0 Q1250:0 S3150:1 R2000:1 Q1250:1 Q1250:2 Q1250:3 Q1250:5 Q1250:8 Q1250:12 '
            'Q1250:18 P800:18 N500:18 M315:18 L200:18 K125:18 J80:18 H50:18 G32:18 F20:18 E13:18 '
            'E13:27 E13:41 D8:41 C5:41 B3:41'
        ),
        'R': (
            'R2000:0 Q1250:0 S3150:1 R2000:1 R2000:2 R2000:3 R2000:5 R2000:8 R2000:12 R2000:18 '
            'Q1250:18 P800:18 N500:18 M315:18 L200:18 K125:18 J80:18 H50:18 G32:18 F20:18 E13:18 '
            'E13:27 E13:41 D8:41 C5:41 B3:41'
        ),
    },
    'reduced': {
        'A': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 H20:0 G13:0 F8:0 E5:0 D3:0 C2:0 B2:0 '
            'A2:0 D3:1 C2:1 A2:1 A2:2 A2:3 A2:5 A2:7 A2:10 A2:14 A2:21 A2:30'
        ),
        'B': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 H20:0 G13:0 F8:0 E5:0 D3:0 C2:0 B2:0 '
            'A2:0 D3:1 C2:1 B2:1 B2:2 B2:3 B2:5 B2:7 B2:10 B2:14 B2:21 B2:30'
        ),
        'C': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 H20:0 G13:0 F8:0 E5:0 D3:0 C2:0 B2:0 '
            'E5:1 D3:1 C2:1 C2:2 C2:3 C2:5 C2:6 C2:8 C2:10 C2:14 C2:21 B2:30'
        ),
        'D': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 H20:0 G13:0 F8:0 E5:0 D3:0 C2:0 F8:1 '
            'E5:1 D3:1 D3:2 D3:3 D3:5 D3:6 D3:8 D3:10 D3:14 D3:21 C2:21 B2:30'
        ),
        'E': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 H20:0 G13:0 F8:0 E5:0 D3:0 G13:1 F8:1 '
            'E5:1 E5:2 E5:3 E5:5 E5:6 E5:8 E5:10 E5:14 E5:21 D3:21 C2:21 B2:30'
        ),
        'F': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 H20:0 G13:0 F8:0 E5:0 H20:1 G13:1 F8:1 '
            'F8:2 F8:3 F8:5 F8:6 F8:8 F8:10 E5:10 E5:14 E5:21 D3:21 C2:21 B2:30'
        ),
        'G': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 H20:0 G13:0 F8:0 J32:1 H20:1 G13:1 '
            'G13:2 G13:3 G13:5 G13:6 G13:8 G13:10 F8:10 E5:10 E5:14 E5:21 D3:21 C2:21 B2:30'
        ),
        'H': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 H20:0 G13:0 K50:1 J32:1 H20:1 H20:2 '
            'H20:3 H20:5 H20:6 H20:8 H20:10 G13:10 F8:10 E5:10 E5:14 E5:21 D3:21 C2:21 B2:30'
        ),
        'J': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 H20:0 L80:1 K50:1 J32:1 J32:2 J32:3 '
            'J32:5 J32:6 J32:8 J32:10 H20:10 G13:10 F8:10 E5:10 E5:14 E5:21 D3:21 C2:21 B2:30'
        ),
        'K': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 J32:0 M125:1 L80:1 K50:1 K50:2 K50:3 K50:5 '
            'K50:6 K50:8 K50:10 J32:10 H20:10 G13:10 F8:10 E5:10 E5:14 E5:21 D3:21 C2:21 B2:30'
        ),
        'L': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 K50:0 N200:1 M125:1 L80:1 L80:2 L80:3 L80:5 L80:6 '
            'L80:8 L80:10 K50:10 J32:10 H20:10 G13:10 F8:10 E5:10 E5:14 E5:21 D3:21 C2:21 B2:30'
        ),
        'M': (
            'Q500:0 P315:0 N200:0 M125:0 L80:0 P315:1 N200:1 M125:1 M125:2 M125:3 M125:5 M125:6 '
            'M125:8 M125:10 L80:10 K50:10 J32:10 H20:10 G13:10 F8:10 E5:10 E5:14 E5:21 D3:21 '
            'C2:21 B2:30'
        ),
        'N': (
            'Q500:0 P315:0 N200:0 M125:0 Q500:1 P315:1 N200:1 N200:2 N200:3 N200:5 N200:6 N200:8 '
            'N200:10 M125:10 L80:10 K50:10 J32:10 H20:10 G13:10 F8:10 E5:10 E5:14 E5:21 D3:21 '
            'C2:21 B2:30'
        ),
        'P': (
            'Q500:0 P315:0 N200:0 R800:1 Q500:1 P315:1 P315:2 P315:3 P315:5 P315:6 P315:8 P315:10 '
            'N200:10 M125:10 L80:10 K50:10 J32:10 H20:10 G13:10 F8:10 E5:10 E5:14 E5:21 D3:21 '
            'C2:21 B2:30'
        ),
        'Q': (
            'Q500:0 P315:0 N200:0 R800:1 Q500:1 Q500:2 Q500:3 Q500:5 Q500:6 Q500:8 Q500:10 '
            'P315:10 N200:10 M125:10 L80:10 K50:10 J32:10 H20:10 G13:10 F8:10 E5:10 E5:14 E5:21 '
            'D3:21 C2:21 B2:30'
        ),
        'R': (
            'Q500:0 P315:0 N200:0 R800:1 R800:2 R800:3 R800:5 R800:6 R800:8 R800:10 Q500:10 '
            'P315:10 N200:10 M125:10 L80:10 K50:10 J32:10 H20:10 G13:10 F8:10 E5:10 E5:14 E5:21 '
            'D3:21 C2:21 B2:30'
        ),
    },
}
# Every resolved cell (initial letter x AQL) of Tables 2-A, 2-B, 2-C: "<final letter><n>:<Ac>",
# Re = Ac + 1. 2-B letter A at AQL 10 is D8:1 as in MIL-STD-105E / Z1.4 (see sampling.py).


@pytest.mark.parametrize('severity, letter', [
    (severity, letter) for severity in ('normal', 'tightened', 'reduced')
    for letter in 'ABCDEFGHJKLMNPQR'])
def test_master_table_row_resolved(severity, letter):
    expected = ''.join(RESOLVED[severity][letter]).split()
    assert len(expected) == len(s.AQL_SERIES)
    wrong = []
    for aql, cell in zip(s.AQL_SERIES, expected):
        final, rest = cell[0], cell[1:]
        n, ac = (int(part) for part in rest.split(':'))
        plan = s.letter_plan(letter, aql, severity)
        got = (plan.code_letter, plan.sample_size, plan.ac, plan.re)
        if got != (final, n, ac, ac + 1):
            wrong.append((aql, got, (final, n, ac, ac + 1)))
    assert not wrong


@pytest.mark.parametrize('severity, letter, aql, final, n, ac, re', [
    # Table 2-A, normal
    ('normal', 'A', '0.65', 'F', 20, 0, 1),      # arrow down from the top row to F
    ('normal', 'J', '1.0', 'J', 80, 2, 3),
    ('normal', 'K', '0.65', 'K', 125, 2, 3),
    ('normal', 'L', '0.65', 'L', 200, 3, 4),
    ('normal', 'G', '0.65', 'F', 20, 0, 1),      # up arrow right of the 0/1 diagonal
    ('normal', 'H', '0.65', 'J', 80, 1, 2),      # down arrow before the 1/2 diagonal
    ('normal', 'A', '10', 'C', 5, 1, 2),         # top row, nothing above: down to C
    ('normal', 'A', '15', 'B', 3, 1, 2),
    ('normal', 'R', '0.010', 'Q', 1250, 0, 1),   # bottom row, up
    ('normal', 'R', '0.015', 'P', 800, 0, 1),    # no row below R: two cells up
    ('normal', 'Q', '0.025', 'R', 2000, 1, 2),
    ('normal', 'R', '0.65', 'R', 2000, 21, 22),
    ('normal', 'R', '1.0', 'Q', 1250, 21, 22),
    ('normal', 'M', '6.5', 'L', 200, 21, 22),
    ('normal', 'F', '100', 'E', 13, 21, 22),
    ('normal', 'E', '150', 'E', 13, 30, 31),
    ('normal', 'E', '250', 'E', 13, 44, 45),
    ('normal', 'A', '1000', 'A', 2, 30, 31),
    ('normal', 'B', '1000', 'B', 3, 44, 45),
    ('normal', 'C', '1000', 'B', 3, 44, 45),
    ('normal', 'R', '1000', 'B', 3, 44, 45),     # longest up arrow of the table
    # Table 2-B, tightened
    ('tightened', 'L', '0.65', 'L', 200, 2, 3),  # (not 1/2: that is L at 0.40)
    ('tightened', 'L', '0.40', 'L', 200, 1, 2),
    ('tightened', 'K', '1.0', 'K', 125, 2, 3),   # normal K at 1.0 is 3/4
    ('tightened', 'K', '0.15', 'K', 125, 0, 1),
    ('tightened', 'G', '1.0', 'J', 80, 1, 2),    # the down arrow right of 0/1 spans two cells
    ('tightened', 'H', '1.0', 'J', 80, 1, 2),
    ('tightened', 'L', '2.5', 'L', 200, 8, 9),
    ('tightened', 'K', '10', 'K', 125, 18, 19),
    ('tightened', 'A', '0.010', 'R', 2000, 0, 1),
    ('tightened', 'R', '0.010', 'R', 2000, 0, 1),
    ('tightened', 'R', '0.015', 'Q', 1250, 0, 1),  # nothing usable below: up
    ('tightened', 'Q', '0.025', 'S', 3150, 1, 2),  # row S, n = 3150
    ('tightened', 'R', '0.025', 'S', 3150, 1, 2),
    ('tightened', 'P', '0.040', 'R', 2000, 1, 2),
    ('tightened', 'A', '6.5', 'B', 3, 0, 1),
    ('tightened', 'A', '10', 'D', 8, 1, 2),      # the disputed cell (GB transcription: A2 0/1)
    ('tightened', 'E', '250', 'E', 13, 41, 42),
    ('tightened', 'A', '1000', 'A', 2, 27, 28),
    ('tightened', 'B', '1000', 'B', 3, 41, 42),
    ('tightened', 'R', '1000', 'B', 3, 41, 42),
    # Table 2-C, reduced (1999 edition: Re = Ac + 1 everywhere)
    ('reduced', 'G', '1.0', 'J', 32, 1, 2),      # ISO version of [5]; Z1.4 gives H, 20, 0/2
    ('reduced', 'R', '0.015', 'P', 315, 0, 1),   # [5]
    ('reduced', 'L', '0.65', 'L', 80, 2, 3),     # Z1.4: 1/4
    ('reduced', 'M', '0.65', 'M', 125, 3, 4),    # Z1.4: 2/5
    ('reduced', 'K', '2.5', 'K', 50, 5, 6),
    ('reduced', 'K', '4.0', 'K', 50, 6, 7),      # Z1.4: 5/8
    ('reduced', 'K', '6.5', 'K', 50, 8, 9),      # Z1.4: 7/10
    ('reduced', 'K', '10', 'K', 50, 10, 11),     # Z1.4: 10/13
    ('reduced', 'K', '15', 'J', 32, 10, 11),
    ('reduced', 'Q', '0.025', 'N', 200, 0, 1),   # long up arrow over P, Q, R
    ('reduced', 'J', '0.65', 'K', 50, 1, 2),     # Z1.4 had 0/2 here; now an arrow down
    ('reduced', 'A', '10', 'D', 3, 1, 2),
    ('reduced', 'A', '25', 'A', 2, 1, 2),
    ('reduced', 'B', '150', 'B', 2, 7, 8),
    ('reduced', 'C', '150', 'C', 2, 8, 9),
    ('reduced', 'C', '1000', 'B', 2, 30, 31),
    ('reduced', 'E', '250', 'E', 5, 21, 22),
    ('reduced', 'R', '1000', 'B', 2, 30, 31),
])
def test_master_table_cells(severity, letter, aql, final, n, ac, re):
    plan = s.letter_plan(letter, aql, severity)
    assert (plan.code_letter, plan.sample_size, plan.ac, plan.re) == (final, n, ac, re)
    assert (plan.initial_code_letter, plan.severity, plan.aql) == (letter, severity, aql)


@pytest.mark.parametrize('severity, letter, aql, cell', [
    ('normal', 'A', '0.65', 'down'), ('normal', 'G', '0.65', 'up'),
    ('normal', 'J', '1.0', (2, 3)), ('normal', 'R', '0.015', 'up'),
    ('tightened', 'G', '1.0', 'down'), ('tightened', 'H', '1.0', 'down'),
    ('tightened', 'S', '0.025', (1, 2)), ('tightened', 'S', '0.010', None),
    ('tightened', 'S', '1000', None),
    ('reduced', 'L', '0.25', 'down'), ('reduced', 'K', '0.15', 'up'),
    ('reduced', 'K', '4.0', (6, 7)),
])
def test_raw_table_cells(severity, letter, aql, cell):
    assert s.table_cell(severity, letter, aql) == cell


def test_every_cell_has_re_equal_ac_plus_one():
    for severity in s.SEVERITIES:
        letters = s.CODE_LETTERS + (('S',) if severity == 'tightened' else ())
        for letter in letters:
            for aql in s.AQL_SERIES:
                cell = s.table_cell(severity, letter, aql)
                assert cell in ('up', 'down', None) or cell[1] == cell[0] + 1


def test_row_s_only_has_the_0_025_plan():
    plans = [aql for aql in s.AQL_SERIES if isinstance(s.table_cell('tightened', 'S', aql), tuple)]
    assert plans == ['0.025']


def test_tightened_never_looser_than_normal_for_same_sample():
    for letter in s.CODE_LETTERS:
        for aql in s.AQL_SERIES:
            normal, tight = s.letter_plan(letter, aql), s.letter_plan(letter, aql, 'tightened')
            if normal.sample_size == tight.sample_size:
                assert tight.ac <= normal.ac, (letter, aql)


# --------------------------------------------------------------------------------------------
# Lot-size capping: 100 % inspection when the sample size equals or exceeds the lot size
# --------------------------------------------------------------------------------------------
def test_single_plan_caps_at_lot_size():
    plan = s.single_plan(5, 'II', '0.65')   # A -> arrow down to F, n 20 > 5
    assert (plan.initial_code_letter, plan.code_letter) == ('A', 'F')
    assert (plan.sample_size, plan.ac, plan.re, plan.hundred_percent) == (5, 0, 1, True)
    assert (plan.lot_size, plan.severity, plan.aql) == (5, 'normal', '0.65')


def test_sample_size_equal_to_lot_size_is_100_percent():
    plan = s.single_plan(13, 'II', '1.0')   # B -> E, n 13 = lot
    assert (plan.code_letter, plan.sample_size, plan.hundred_percent) == ('E', 13, True)
    plan = s.single_plan(14, 'II', '1.0')
    assert (plan.code_letter, plan.sample_size, plan.hundred_percent) == ('E', 13, False)


def test_single_plan_examples():
    assert s.single_plan(1000, 'II', '1.0') == s.Plan(
        'J', 80, 2, 3, False, 'normal', '1.0', initial_code_letter='J', lot_size=1000)
    plan = s.single_plan(125, 'III', 1.0, 'reduced')  # G -> H -> J
    assert (plan.code_letter, plan.sample_size, plan.ac, plan.re) == ('J', 32, 1, 2)
    plan = s.single_plan(600000, 'II', '0.025', 'tightened')  # R -> S
    assert (plan.code_letter, plan.sample_size, plan.ac) == ('S', 3150, 1)
    assert not plan.hundred_percent
    plan = s.single_plan(1, 'I', '6.5')
    assert (plan.sample_size, plan.hundred_percent, plan.ac) == (1, True, 0)


def test_fixed_hundred_percent_and_zero_acceptance_plans():
    plan = s.fixed_plan(10, 20, 1)
    assert (plan.sample_size, plan.ac, plan.re, plan.hundred_percent) == (10, 1, 2, True)
    assert (plan.code_letter, plan.severity, plan.aql, plan.lot_size) == (None, None, None, 10)
    plan = s.fixed_plan(1000, 50, 2)
    assert (plan.sample_size, plan.ac, plan.re, plan.hundred_percent) == (50, 2, 3, False)
    plan = s.hundred_percent_plan(37)
    assert (plan.sample_size, plan.ac, plan.re, plan.hundred_percent) == (37, 0, 1, True)
    plan = s.zero_acceptance_plan(500, 32)
    assert (plan.sample_size, plan.ac, plan.re, plan.hundred_percent) == (32, 0, 1, False)
    assert plan.decide(0) and not plan.decide(1)


def test_decide():
    plan = s.single_plan(2000, 'II', '1.0')  # K, 125, 3/4
    assert [plan.decide(count) for count in (0, 3, 4, 50)] == [True, True, False, False]


@pytest.mark.parametrize('aql, expected', [
    ('0.65', '0.65'), (' 0.65 ', '0.65'), (0.65, '0.65'), (Decimal('0.650'), '0.65'),
    ('1', '1.0'), (1, '1.0'), ('1.00', '1.0'), (10, '10'), ('0.01', '0.010'), (1000, '1000')])
def test_aql_spellings(aql, expected):
    assert s.single_plan(1000, 'II', aql).aql == expected


@pytest.mark.parametrize('aql, tighter', [
    ('0.010', None), ('0.015', '0.010'), ('0.65', '0.40'), ('1.0', '0.65'), ('10', '6.5'),
    ('15', '10'), ('1000', '650')])
def test_tighter_aql(aql, tighter):
    assert s.tighter_aql(aql) == tighter


def test_would_accept_at_tighter_aql():
    plan = s.single_plan(2000, 'II', '1.0')  # K 125 3/4; at 0.65 K is 2/3
    assert s.would_accept_at_tighter_aql(plan, 2) is True
    assert s.would_accept_at_tighter_aql(plan, 3) is False
    assert s.would_accept_at_tighter_aql(s.single_plan(1000, 'II', '0.15'), 0) is None  # Ac 0
    with pytest.raises(ValueError):
        s.would_accept_at_tighter_aql(s.single_plan(2000, 'II', '1.0', 'tightened'), 0)
    # the rule is answerable for every normal plan with Ac >= 2 (same row, same sample size)
    for letter in s.CODE_LETTERS:
        for aql in s.AQL_SERIES:
            plan = s.letter_plan(letter, aql)
            if plan.ac >= 2:
                assert s.would_accept_at_tighter_aql(plan, 0) is True


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize('lot_size', [0, -5, 2.5, True, '10', None])
def test_bad_lot_size(lot_size):
    with pytest.raises(ValueError):
        s.code_letter(lot_size, 'II')
    with pytest.raises(ValueError):
        s.single_plan(lot_size, 'II', '1.0')


@pytest.mark.parametrize('level', ['IV', 'ii', 'G-2', 'S1', '', None, 2])
def test_bad_level(level):
    with pytest.raises(ValueError):
        s.code_letter(100, level)


@pytest.mark.parametrize('aql', ['0.5', 0.3, 2, '20', 'abc', '', None, True, float('nan'),
                                 'inf', '1e3x', -1.0, [1.0]])
def test_bad_aql(aql):
    with pytest.raises(ValueError):
        s.single_plan(1000, 'II', aql)
    with pytest.raises(ValueError):
        s.tighter_aql(aql)


@pytest.mark.parametrize('severity', ['relaxed', 'Normal', None, ''])
def test_bad_severity(severity):
    with pytest.raises(ValueError):
        s.single_plan(1000, 'II', '1.0', severity)


@pytest.mark.parametrize('count', [-1, 1.0, True, '1', None])
def test_bad_count(count):
    with pytest.raises(ValueError):
        s.single_plan(1000, 'II', '1.0').decide(count)


@pytest.mark.parametrize('args', [
    (10, 0), (10, 5, 5), (10, 5, -1), (0, 5), (10, 2.0), (10, 5, 1.5)])
def test_bad_fixed_plan(args):
    with pytest.raises(ValueError):
        s.fixed_plan(*args)


def test_bad_letter_and_plan():
    with pytest.raises(ValueError):
        s.letter_plan('I', '1.0')
    with pytest.raises(ValueError):
        s.letter_plan('S', '0.025', 'tightened')  # S is reached through arrows only
    with pytest.raises(ValueError):
        s.table_cell('normal', 'S', '0.025')
    with pytest.raises(ValueError):
        s.Plan('A', 2, 0, 2, False, 'normal', '6.5')  # Re must be Ac + 1
    with pytest.raises(ValueError):
        s.hundred_percent_plan(0)
    with pytest.raises(ValueError):
        s.zero_acceptance_plan(100, 0)


# --------------------------------------------------------------------------------------------
# Switching rules (clause 9), simulated lot histories
# --------------------------------------------------------------------------------------------
AC0 = s.single_plan(1000, 'II', '0.15')                # J 80 0/1: +2 per accepted lot
AC2 = s.single_plan(1000, 'II', '1.0')                 # J 80 2/3: +3 if accepted one step tighter
TIGHT = s.single_plan(1000, 'II', '1.0', 'tightened')  # J 80 1/2
REDUCED = s.single_plan(1000, 'II', '1.0', 'reduced')  # J 32 1/2
PLANS = {'normal': AC0, 'tightened': TIGHT, 'reduced': REDUCED}


def run(state, lots, **kwargs):
    """Feed lots ('A' accepted, 'R' not accepted) and return [(severity, transition, score)]."""
    trail = []
    for lot in lots:
        state, transition = s.next_state(state, lot == 'A', PLANS[state.severity], **kwargs)
        trail.append((state.severity, transition, state.switching_score))
    return state, trail


def test_normal_to_tightened_two_of_five():
    state, trail = run(s.SwitchingState(), 'ARAAR')
    assert trail == [('normal', None, 2), ('normal', None, 0), ('normal', None, 2),
                     ('normal', None, 4), ('tightened', 'normal_to_tightened', 0)]
    assert state == s.SwitchingState(severity='tightened')


def test_normal_two_rejections_more_than_five_lots_apart_do_not_tighten():
    state, trail = run(s.SwitchingState(), 'RAAAAR')
    assert [severity for severity, _t, _s in trail] == ['normal'] * 6
    assert state.history == (True, True, True, True, False)
    state, trail = run(state, 'R')  # now 2 within the last 5 lots
    assert trail == [('tightened', 'normal_to_tightened', 0)]


def test_two_consecutive_rejections_tighten():
    _state, trail = run(s.SwitchingState(), 'RR')
    assert trail[-1] == ('tightened', 'normal_to_tightened', 0)


def test_tightened_to_normal_after_five_consecutive_accepted():
    state, trail = run(s.SwitchingState(severity='tightened'), 'AAAR')
    assert state.not_accepted_on_tightened == 1 and state.consecutive_accepted == 0
    state, trail = run(state, 'AAAA')
    assert [t for _s, t, _c in trail] == [None] * 4 and state.consecutive_accepted == 4
    state, trail = run(state, 'A')
    assert trail == [('normal', 'tightened_to_normal', 0)]
    assert state == s.SwitchingState()  # fresh normal inspection, score from zero


def test_switching_score_ac_0_or_1_reaches_30_then_reduced_when_approved_and_steady():
    state, trail = run(s.SwitchingState(), 'A' * 15)
    assert [score for _s, _t, score in trail] == list(range(2, 31, 2))
    assert state.severity == 'normal' and state.switching_score == 30  # not approved yet
    # approved but production not steady: stays normal
    state, transition = s.next_state(state, True, AC0, production_steady=False,
                                     reduced_approved=True)
    assert (state.severity, transition, state.switching_score) == ('normal', None, 32)
    state, transition = s.next_state(state, True, AC0, reduced_approved=True)
    assert (state.severity, transition) == ('reduced', 'normal_to_reduced')
    assert state == s.SwitchingState(severity='reduced')


def test_switching_score_below_30_never_reduces():
    state, trail = run(s.SwitchingState(), 'A' * 14, reduced_approved=True)
    assert state.severity == 'normal' and state.switching_score == 28
    state, trail = run(state, 'A', reduced_approved=True)
    assert trail == [('reduced', 'normal_to_reduced', 0)]


def test_switching_score_ac_2_or_more():
    state = s.SwitchingState()
    for expected in (3, 6, 9):
        state, _t = s.next_state(state, True, AC2, accepted_at_tighter_aql=True)
        assert state.switching_score == expected
    # accepted, but would not have been at the tighter AQL: reset
    state, _t = s.next_state(state, True, AC2, accepted_at_tighter_aql=False)
    assert (state.severity, state.switching_score) == ('normal', 0)
    for _ in range(10):
        state, transition = s.next_state(state, True, AC2, accepted_at_tighter_aql=True,
                                         reduced_approved=True)
    assert (state.severity, transition) == ('reduced', 'normal_to_reduced')
    with pytest.raises(ValueError):  # the +3 rule needs the tighter-AQL answer
        s.next_state(s.SwitchingState(), True, AC2)


def test_switching_score_with_counts_and_would_accept_helper():
    plan = s.single_plan(2000, 'II', '1.0')  # K 125 3/4 (0.65: 2/3)
    state = s.SwitchingState()
    for count, score in ((0, 3), (2, 6), (3, 0), (1, 3)):
        state, _t = s.next_state(state, plan.decide(count), plan,
                                 accepted_at_tighter_aql=s.would_accept_at_tighter_aql(plan, count))
        assert state.switching_score == score


def test_not_accepted_lot_resets_score():
    state, trail = run(s.SwitchingState(), 'AAAAR')
    assert trail[-1] == ('normal', None, 0)


def test_reduced_to_normal_on_rejection():
    state, trail = run(s.SwitchingState(severity='reduced'), 'AAAR')
    assert trail[-1] == ('normal', 'reduced_to_normal', 0)
    assert state == s.SwitchingState()


def test_reduced_to_normal_when_production_irregular_or_other_conditions():
    state, transition = s.next_state(s.SwitchingState(severity='reduced'), True, REDUCED,
                                     production_steady=False)
    assert (state.severity, transition) == ('normal', 'reduced_to_normal')
    state, transition = s.next_state(s.SwitchingState(severity='reduced'), True, REDUCED,
                                     force_normal=True)
    assert (state.severity, transition) == ('normal', 'reduced_to_normal')
    state, transition = s.force_normal(s.SwitchingState(severity='reduced'))
    assert (state, transition) == (s.SwitchingState(), 'reduced_to_normal')
    assert s.force_normal(s.SwitchingState()) == (s.SwitchingState(), None)
    with pytest.raises(ValueError):
        s.force_normal(s.SwitchingState(severity='tightened'))
    with pytest.raises(ValueError):
        s.next_state(s.SwitchingState(severity='tightened'), True, TIGHT, force_normal=True)


def test_discontinuation_after_five_not_accepted_on_tightened_and_resume():
    # 5 lots not accepted in total (not in a row) on tightened, never 5 accepted in a row
    state, trail = run(s.SwitchingState(severity='tightened'), 'RARAARRR')
    assert [t for _s, t, _c in trail] == [None] * 7 + ['discontinued']
    assert state.discontinued and state.not_accepted_on_tightened == 5
    with pytest.raises(ValueError):
        s.next_state(state, True, TIGHT)
    with pytest.raises(ValueError):
        s.force_normal(state)
    resumed = s.resume_state(state)
    assert resumed == s.SwitchingState(severity='tightened')  # 9.4: resume on tightened
    state, transition = s.next_state(resumed, True, TIGHT)
    assert (state.severity, transition, state.consecutive_accepted) == ('tightened', None, 1)
    with pytest.raises(ValueError):
        s.resume_state(resumed)


def test_long_history_through_all_severities():
    state = s.SwitchingState()
    state, trail = run(state, 'AR' + 'AAR')  # 2nd rejection within 5 lots
    assert trail[-1][1] == 'normal_to_tightened'
    state, trail = run(state, 'AAAAA')
    assert trail[-1][1] == 'tightened_to_normal'
    state, trail = run(state, 'A' * 15, reduced_approved=True)
    assert trail[-1] == ('reduced', 'normal_to_reduced', 0)
    state, trail = run(state, 'AAAAAAAAR')
    assert trail[-1][1] == 'reduced_to_normal'
    state, trail = run(state, 'RR')
    assert trail[-1][1] == 'normal_to_tightened'
    state, trail = run(state, 'RRRRR')
    assert trail[-1][1] == 'discontinued'


def test_next_state_bad_input():
    state = s.SwitchingState()
    with pytest.raises(ValueError):
        s.next_state(state, 1, AC0)  # accepted must be a bool
    with pytest.raises(ValueError):
        s.next_state(state, True, TIGHT)  # plan of another severity
    with pytest.raises(ValueError):
        s.next_state(state, True, s.fixed_plan(100, 10))  # not a table plan
    with pytest.raises(ValueError):
        s.next_state(state, False, AC2, accepted_at_tighter_aql=True)
    with pytest.raises(ValueError):
        s.next_state('normal', True, AC0)
    with pytest.raises(ValueError):
        s.next_state(state, True, AC0, production_steady=None)


@pytest.mark.parametrize('kwargs', [
    {'severity': 'relaxed'}, {'history': [True]}, {'history': (1,)}, {'switching_score': -1},
    {'consecutive_accepted': 1.5}, {'discontinued': True}, {'discontinued': 1}])
def test_bad_switching_state(kwargs):
    with pytest.raises(ValueError):
        s.SwitchingState(**kwargs)


def test_reduce_state_needs_normal_inspection_and_a_score_of_30():
    state = s.SwitchingState(switching_score=29)
    with pytest.raises(ValueError, match='needs 30'):
        s.reduce_state(state)
    assert s.reduce_state(s.SwitchingState(switching_score=30)).severity == 'reduced'
    with pytest.raises(ValueError, match='follows normal'):
        s.reduce_state(s.SwitchingState(severity='tightened', switching_score=40))
