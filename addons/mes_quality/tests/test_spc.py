from odoo.addons.mes_quality.lib import spc
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import QualityCase

BORE = {'name': 'Barrel inner diameter', 'characteristic_type': 'variable', 'nominal': 6.5,
        'lower_limit': 6.4, 'upper_limit': 6.6, 'decimals': 3, 'sampling_method': 'fixed',
        'sample_size': 5, 'acceptance_number': 0, 'subgroup_size': 5}
# in control (normal, mean 6.500, sigma 0.010, seed 1, rounded to the gauge's 0.001): no rule
# fires on any prefix of 5 subgroups or more
STEADY = [
    ['6.513', '6.514', '6.501', '6.492', '6.489'],
    ['6.500', '6.490', '6.486', '6.502', '6.501'],
    ['6.505', '6.491', '6.500', '6.499', '6.485'],
    ['6.505', '6.503', '6.524', '6.502', '6.499'],
    ['6.512', '6.502', '6.509', '6.496', '6.502'],
    ['6.510', '6.507', '6.501', '6.489', '6.504'],
    ['6.501', '6.507', '6.502', '6.511', '6.499'],
    ['6.502', '6.507', '6.489', '6.496', '6.495'],
    ['6.520', '6.499', '6.507', '6.506', '6.497'],
    ['6.484', '6.510', '6.496', '6.507', '6.487'],
    ['6.496', '6.513', '6.514', '6.487', '6.487'],
    ['6.500', '6.507', '6.502', '6.503', '6.490']
]


@tagged('post_install', '-at_install')
class TestSpc(QualityCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.make_plan(cls.stopper, [BORE], inspection_type='final')
        cls.characteristic = cls.plan.characteristic_ids
        cls.lots = 0

    def inspect(self, values, gauge=None):
        type(self).lots += 1
        lot = self.env['stock.lot'].create({'name': 'SPC-%03d' % self.lots,
                                            'product_id': self.stopper.id})
        inspection = self.env['mes.inspection']._mes_start(self.plan, self.stopper, lot, 1000)
        line = inspection.line_ids
        inspection.with_user(self.inspector).mes_record_results([
            {'line_id': line.id, 'sample_no': i + 1, 'value': v, 'gauge': gauge}
            for i, v in enumerate(values)])
        return inspection

    def setUp(self):
        super().setUp()
        # the demo data has SPC signals of its own
        self.floor = self.env['mes.exception'].search([], order='id desc', limit=1).id or 0

    def spc_exceptions(self):
        return self.env['mes.exception'].search([('kind', '=', 'spc'), ('id', '>', self.floor)])

    def test_results_feed_the_chart_and_a_shift_raises_one_exception(self):
        first = self.inspect(STEADY[0])
        for subgroup in STEADY[1:]:
            self.inspect(subgroup)
        self.assertFalse(self.spc_exceptions())
        chart = self.characteristic.with_user(self.inspector).mes_spc_chart()
        self.assertEqual(chart['kind'], 'xbar_r')
        self.assertEqual(len(chart['points']), 12)
        self.assertEqual((chart['lsl'], chart['usl']), (6.4, 6.6))
        self.assertFalse(chart['signals'])
        self.assertEqual(chart['points'][0]['lot'], first.lot_id.name)
        self.assertEqual(chart['points'][0]['operator'], self.inspector.name)
        # the same limits as the statistics module computes from the raw values
        expected = spc.xbar_r([[float(v) for v in subgroup] for subgroup in STEADY])
        self.assertAlmostEqual(chart['ucl'], expected.main.ucl, places=9)
        self.assertAlmostEqual(chart['centre'], expected.main.centre, places=9)
        # capability of the 60 values, within sigma from R-bar/d2
        values = [float(v) for subgroup in STEADY for v in subgroup]
        capability = spc.capability(values, 6.4, 6.6, expected.sigma_within)
        self.assertAlmostEqual(chart['capability']['cpk'], capability.cpk, places=9)
        self.assertGreater(chart['capability']['cpk'], 1.33)
        # a shifted subgroup (still inside the specification) is a rule 1 signal
        shifted = self.inspect(['6.560', '6.570', '6.555', '6.565', '6.560'])
        self.assertEqual(shifted.proposed_decision, 'accept')
        exception = self.spc_exceptions()
        self.assertEqual(len(exception), 1)
        self.assertEqual((exception.source, exception.severity, exception.blocking),
                         ('quality', 'minor', False))
        self.assertIn('Rule 1', exception.description)
        self.assertIn(shifted.lot_id.name, exception.description)
        chart = self.characteristic.mes_spc_chart()
        self.assertEqual(chart['signals'].get('1'), [12])
        self.assertEqual(chart['points'][12]['rules'], [1])
        # an incomplete next subgroup raises nothing yet
        self.inspect(['6.500'] * 3)
        self.assertEqual(len(self.spc_exceptions()), 1)

    def test_frozen_baseline_and_blocking_signals(self):
        for subgroup in STEADY[:8]:
            self.inspect(subgroup)
        with self.assertRaises(AccessError):
            self.characteristic.with_user(self.inspector).action_freeze_baseline()
        self.characteristic.with_user(self.qa_manager).action_freeze_baseline()
        frozen = self.characteristic
        self.assertEqual((frozen.baseline_points, frozen.baseline_frozen_by_id),
                         (40, self.qa_manager))
        baseline = spc.baseline_from(spc.xbar_r(
            [[float(v) for v in subgroup] for subgroup in STEADY[:8]]))
        self.assertAlmostEqual(frozen.baseline_centre, baseline['centre'], places=9)
        with self.assertRaisesRegex(UserError, 'never typed'):
            frozen.with_user(self.qa_manager).write({'baseline_sigma': 1.0})
        # SPC settings change on an approved plan; the signed definition does not
        frozen.with_user(self.qa_manager).write({'spc_blocking': True})
        self.inspect(['6.470', '6.465', '6.472', '6.468', '6.470'])
        exception = self.spc_exceptions()
        self.assertEqual((exception.severity, exception.blocking), ('critical', True))
        chart = self.characteristic.mes_spc_chart()
        self.assertTrue(chart['baseline'])
        self.assertAlmostEqual(chart['centre'], baseline['centre'], places=9)

    def test_chart_filters_by_gauge_lot_and_period(self):
        for index, subgroup in enumerate(STEADY):
            self.inspect(subgroup, gauge='CAL-A' if index % 2 else 'CAL-B')
        chart = self.characteristic.mes_spc_chart(equipment=' cal-b ')
        self.assertEqual(len(chart['points']), 6)
        self.assertEqual({p['equipment'] for p in chart['points']}, {'CAL-B'})
        lot = self.env['mes.inspection'].search([], order='id desc', limit=1).lot_id
        # one lot is one subgroup: charted against frozen limits, not limits of its own
        self.assertTrue(self.characteristic.mes_spc_chart(lot_id=lot.id)['message'])
        self.characteristic.with_user(self.qa_manager).action_freeze_baseline()
        chart = self.characteristic.mes_spc_chart(lot_id=lot.id)
        self.assertEqual([p['lot'] for p in chart['points']], [lot.name])
        chart = self.characteristic.mes_spc_chart(date_to='2000-01-01 00:00:00')
        self.assertEqual(chart['points'], [])
        self.assertTrue(chart['message'])

    def test_measurements_are_kept_by_their_sources_only(self):
        self.inspect(STEADY[0])
        measurement = self.env['mes.spc.measurement'].search([], limit=1)
        for user in (self.inspector, self.qa_manager):
            with self.assertRaises(UserError):
                measurement.with_user(user).write({'value': 1.0})
            with self.assertRaises(UserError):
                self.env['mes.spc.measurement'].with_user(user).create({
                    'characteristic_key': self.characteristic.spc_key,
                    'characteristic_id': self.characteristic.id, 'value': 6.5,
                    'company_id': self.company.id, 'measured_at': '2026-01-01 00:00:00'})
        with self.assertRaises(UserError):
            measurement.sudo().unlink()


@tagged('post_install', '-at_install')
class TestAttributeCharts(QualityCase):
    """Attribute charts are drawn from decided inspections: one point per inspection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.make_plan(cls.stopper, [{
            'name': 'Cosmetic defects', 'characteristic_type': 'attribute',
            'sampling_method': 'fixed', 'sample_size': 10, 'acceptance_number': 9,
            'aql_major': '1.0', 'chart_type': 'c'}], inspection_type='final')

    def inspect(self, name, defects):
        lot = self.env['stock.lot'].create({'name': name, 'product_id': self.stopper.id})
        inspection = self.env['mes.inspection']._mes_start(self.plan, self.stopper, lot, 100)
        line = inspection.line_ids
        inspection.with_user(self.inspector).mes_record_results([
            {'line_id': line.id, 'sample_no': n + 1, 'defects_major': defects.get(n + 1, 0)}
            for n in range(10)])
        self.decide(inspection)
        return inspection

    def test_c_chart_counts_defects_per_inspection(self):
        characteristic = self.plan.characteristic_ids
        for index in range(4):
            self.inspect('COS-Z%s' % index, {})
        chart = characteristic.mes_spc_chart()
        self.assertEqual([p['value'] for p in chart['points']], [0.0] * 4)
        self.assertIn('No defect in 4 inspections', chart['message'])
        counts = [2, 1, 3, 0, 2, 1, 2, 12]
        for index, count in enumerate(counts):
            self.inspect('COS-%s' % index, {n + 1: 1 for n in range(min(count, 10))}
                         if count <= 10 else {1: count})
        chart = characteristic.mes_spc_chart()
        values = [0] * 4 + counts
        self.assertEqual([p['value'] for p in chart['points']], [float(v) for v in values])
        expected = spc.c_chart(values)
        self.assertAlmostEqual(chart['ucl'], expected.main.ucl, places=9)
        self.assertEqual(chart['signals'].get('1'), [len(values) - 1])
        self.assertEqual(chart['points'][-1]['lot'], 'COS-7')
