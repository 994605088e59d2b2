"""The addons' plain-Python domain modules, loaded straight from their files:
no Odoo, no database - the rules an auditor reads are testable on their own."""
import datetime
import importlib.util
import os
from decimal import Decimal

import pytest

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   'addons', 'mes_bridge', 'lib')


def load(name):
    spec = importlib.util.spec_from_file_location('mes_lib_%s' % name, os.path.join(LIB, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


measurement = load('measurement')
gs1 = load('gs1')


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
