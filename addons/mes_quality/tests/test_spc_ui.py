from odoo.tests import HttpCase, tagged

from .common import QualityCase
from .test_spc import BORE, STEADY


@tagged('post_install', '-at_install')
class TestSpcChartUi(QualityCase, HttpCase):
    """The SPC chart client action, driven in a real headless Chromium."""

    def test_inspector_records_a_shift_and_sees_it_flagged(self):
        plan = self.make_plan(self.stopper, [BORE], inspection_type='receiving')
        characteristic = plan.characteristic_ids
        # 12 in-control subgroups already on the chart
        for number, subgroup in enumerate(STEADY, 1):
            lot = self.env['stock.lot'].create({'name': 'STP-SPC-H%02d' % number,
                                                'product_id': self.stopper.id})
            inspection = self.env['mes.inspection']._mes_start(plan, self.stopper, lot, 1000)
            inspection.with_user(self.inspector).mes_record_results([
                {'line_id': inspection.line_ids.id, 'sample_no': i, 'value': value}
                for i, value in enumerate(subgroup, 1)])
        # the receipt the inspector records in the browser
        _picking, lot = self.receive(self.stopper, 'STP-SPC-TOUR', 1000)
        inspection = self.inspection_of(lot)
        self.assertEqual((inspection.inspection_type, inspection.state), ('receiving', 'pending'))
        self.assertEqual(inspection.line_ids.sample_size, 5)

        self.start_tour('/odoo/action-mes_quality.action_mes_inspection', 'mes_quality_spc_tour',
                        login=self.inspector.login)

        # what the browser did is what the record says
        results = inspection.line_ids.result_ids.sorted('sample_no')
        self.assertEqual(results.mapped('entered_value'),
                         ['6.560', '6.570', '6.555', '6.565', '6.560'])
        self.assertEqual(set(results.mapped('out_of_spec')), {False})
        chart = characteristic.with_user(self.inspector).mes_spc_chart()
        self.assertEqual(len(chart['points']), 13)
        self.assertIn(12, chart['signals'].get('1', []))
        spc = self.env['mes.exception'].search([('kind', '=', 'spc'), ('lot_id', '=', lot.id)])
        self.assertEqual(len(spc), 1)
        self.assertIn('Rule 1', spc.description)

    def test_chart_action_opens_from_the_characteristic(self):
        plan = self.make_plan(self.stopper, [BORE], inspection_type='receiving')
        characteristic = plan.characteristic_ids
        action = characteristic.with_user(self.inspector).action_open_spc_chart()
        self.assertEqual((action['type'], action['tag']),
                         ('ir.actions.client', 'mes_quality.spc_chart'))
        self.assertEqual(action['context'], {'active_id': characteristic.id})
        # without data the chart explains itself instead of failing
        chart = characteristic.with_user(self.inspector).mes_spc_chart()
        self.assertTrue(chart['message'])
        self.assertEqual(chart['points'], [])
