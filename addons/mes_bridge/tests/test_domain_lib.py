"""The plain-Python rules (no ORM), run inside Odoo's runner as well as on their own."""
import datetime
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..lib import gs1, measurement


@tagged('post_install', '-at_install')
class TestMeasurement(BaseCase):

    def test_parse_accepts_decimal_comma_and_blanks(self):
        self.assertEqual(measurement.parse_value(' 4,995 '), Decimal('4.995'))
        self.assertEqual(measurement.parse_value('-0.5'), Decimal('-0.5'))
        self.assertEqual(measurement.parse_value(12), Decimal('12'))

    def test_parse_refuses_ambiguous_text(self):
        for raw in ['', '  ', '1,000.5', '12 mm', 'abc', 'nan', 'inf', None, '1.2.3']:
            with self.assertRaises(measurement.MeasurementError, msg=repr(raw)):
                measurement.parse_value(raw)

    def test_limits_are_inclusive_after_rounding_half_up(self):
        # 240.04 rounds to 240.0 at one decimal: inside an upper limit of 240.
        self.assertEqual(measurement.judge(Decimal('240.04'), 220, 240, 1), measurement.IN_LIMITS)
        self.assertEqual(measurement.judge(Decimal('240.05'), 220, 240, 1), measurement.ABOVE_LIMIT)
        self.assertEqual(measurement.judge(Decimal('220'), 220, 240, 0), measurement.IN_LIMITS)
        self.assertEqual(measurement.judge(Decimal('219.4'), 220, 240, 0), measurement.BELOW_LIMIT)

    def test_one_sided_specifications(self):
        self.assertEqual(measurement.judge(Decimal('1000'), None, 10), measurement.ABOVE_LIMIT)
        self.assertEqual(measurement.judge(Decimal('-1000'), None, 10), measurement.IN_LIMITS)
        self.assertEqual(measurement.judge(Decimal('3'), 5, None), measurement.BELOW_LIMIT)


@tagged('post_install', '-at_install')
class TestGS1(BaseCase):

    def test_parenthesised_label(self):
        parsed = gs1.parse('(01)04012345000016(17)261231(10)RES-001')
        self.assertEqual(parsed['gtin'], '04012345000016')
        self.assertEqual(parsed['lot'], 'RES-001')
        self.assertEqual(parsed['expiry'], datetime.date(2026, 12, 31))

    def test_raw_datamatrix_with_group_separator(self):
        code = ']d20104012345000016' + '10LOT42' + '\x1d' + '21SN0001' + '\x1d' + '17270100'
        parsed = gs1.parse(code)
        self.assertEqual(parsed['lot'], 'LOT42')
        self.assertEqual(parsed['serial'], 'SN0001')
        # day 00 means the last day of the month
        self.assertEqual(parsed['expiry'], datetime.date(2027, 1, 31))

    def test_wrong_check_digit_is_refused(self):
        with self.assertRaises(gs1.GS1Error):
            gs1.parse('(01)04012345000017(10)X')

    def test_gtin_matches_ean13(self):
        self.assertTrue(gs1.gtin_matches('04012345000016', '4012345000016'))
        self.assertFalse(gs1.gtin_matches('04012345000016', '4012345000023'))

    def test_plain_lot_numbers_are_not_gs1(self):
        self.assertFalse(gs1.looks_like_gs1('RES-001'))
        self.assertTrue(gs1.looks_like_gs1('(10)RES-001'))
