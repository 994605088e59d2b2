"""The addons' plain-Python domain modules, loaded straight from their files:
no Odoo, no database - the rules an auditor reads are testable on their own."""
import datetime
import importlib.util
import os
from decimal import Decimal

import pytest

ADDONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'addons')


def load(name, addon='mes_bridge'):
    path = os.path.join(ADDONS, addon, 'lib', name + '.py')
    spec = importlib.util.spec_from_file_location('%s_lib_%s' % (addon, name), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


measurement = load('measurement')
gs1 = load('gs1')
integrity = load('integrity', 'mes_part11')
genealogy = load('genealogy')


@pytest.mark.parametrize('raw, expected', [
    ('231.5', Decimal('231.5')), (' 4,995 ', Decimal('4.995')), ('-0', Decimal('0')), (7, Decimal('7'))])
def test_parse_value(raw, expected):
    assert measurement.parse_value(raw) == expected


@pytest.mark.parametrize('raw', ['', 'abc', '1,000.5', '12mm', 'NaN', '-inf', None])
def test_parse_value_refuses(raw):
    with pytest.raises(measurement.MeasurementError):
        measurement.parse_value(raw)


@pytest.mark.parametrize('value, lower, upper, decimals, verdict', [
    ('240.04', 220, 240, 1, 'pass'), ('240.05', 220, 240, 1, 'high'),
    ('219.95', 220, 240, 1, 'pass'), ('219.94', 220, 240, 1, 'low'),
    ('50.1', None, 50, 1, 'high'), ('3.99', 4, None, 1, 'pass'), ('3.94', 4, None, 1, 'low'),
])
def test_judge(value, lower, upper, decimals, verdict):
    assert measurement.judge(Decimal(value), lower, upper, decimals) == verdict


def test_gs1_udi_label():
    parsed = gs1.parse(']d2010401234500001617301231' + '10NDL-2408-011' + '\x1d' + '21000042')
    assert parsed['gtin'] == '04012345000016'
    assert parsed['expiry'] == datetime.date(2030, 12, 31)
    assert parsed['lot'] == 'NDL-2408-011'
    assert parsed['serial'] == '000042'


@pytest.mark.parametrize('code', ['(01)04012345000017(10)X', '(17)991399(10)X', '0104012345', '99ABC'])
def test_gs1_refuses_malformed_labels(code):
    with pytest.raises(gs1.GS1Error):
        gs1.parse(code)


# -- integrity: content hashes and the audit hash chain ------------------------------------

def _chain(n=6):
    entries = [{'operation': 'write', 'res_model': 'stock.lot', 'res_id': i,
                'field_name': 'mes_release_state', 'old_value': 'quarantine',
                'new_value': 'released', 'old_display': 'Quarantine', 'new_display': 'Released',
                'user_id': 2, 'user_name': 'Zoë Ångström', 'company_id': 1,
                'timestamp': '2026-11-26 10:00:0%d' % i, 'reason': None, 'origin': 'ui'}
               for i in range(n)]
    head = integrity.seal(entries, 0, integrity.GENESIS)
    rows = [[100 + e['seq'], e['prev_hash'], e['entry_hash']]
            + [e[k] for k in integrity.ENTRY_FIELDS] for e in entries]
    return rows, head


def test_content_hash_is_canonical():
    a = integrity.content_hash({'b': [1, 2], 'a': 'é', 'c': None})
    b = integrity.content_hash({'c': None, 'a': 'é', 'b': [1, 2]})
    assert a == b and len(a) == 64
    assert a != integrity.content_hash({'b': [2, 1], 'a': 'é', 'c': None})


def test_sealed_chain_verifies_and_links():
    rows, head = _chain()
    assert [r[3] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0][1] == integrity.GENESIS
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, len(rows)))
    assert integrity.first_broken(rows, head=head) is None


def test_edited_deleted_swapped_and_cut_entries_are_found():
    rows, head = _chain()
    edited = [list(r) for r in rows]
    edited[2][3 + integrity.ENTRY_FIELDS.index('new_display')] = 'Rejected'
    assert integrity.first_broken(edited, head=head) == rows[2][0]
    assert integrity.first_broken(rows[:3] + rows[4:], head=head) == rows[4][0]
    swapped = rows[:1] + [rows[2], rows[1]] + rows[3:]
    assert integrity.first_broken(swapped, head=head) == rows[2][0]
    assert integrity.first_broken(rows[:-1], head=head) == -1
    # without the recorded head a cut tail cannot be seen: the head is what catches it
    assert integrity.first_broken(rows[:-1]) is None


# -- genealogy: trace levels and mass balance ----------------------------------------------

def test_levels_follow_direction_depth_and_survive_cycles():
    edges = [(1, 2, 10, 1.0), (2, 3, 11, 1.0), (1, 4, 12, 1.0), (4, 3, 13, 1.0), (3, 1, 14, 1.0)]
    forward, walked = genealogy.levels(1, edges, 'forward')
    assert forward == {1: 0, 2: 1, 4: 1, 3: 2}
    assert len(walked) == 5  # every edge once, the cycle back to 1 included, no loop
    backward, _walked = genealogy.levels(3, edges, 'backward')
    assert backward == {3: 0, 2: 1, 4: 1, 1: 2}
    shallow, _walked = genealogy.levels(1, edges, 'forward', depth=1)
    assert shallow == {1: 0, 2: 1, 4: 1}


def test_mass_balance():
    ok = genealogy.mass_balance(10.0, 9.9, 5, 5, scrapped=0.1, tolerance=0.02)
    assert ok['deviation'] == 0.0 and not ok['out_of_tolerance'] and ok['yield_pct'] == 100.0
    over = genealogy.mass_balance(10.0, 11.0, 4, 5, tolerance=0.02)
    assert round(over['deviation'], 6) == 0.1 and over['out_of_tolerance']
    assert over['yield_pct'] == 80.0
    assert genealogy.mass_balance(0.0, 1.0, 1, 1)['out_of_tolerance']
