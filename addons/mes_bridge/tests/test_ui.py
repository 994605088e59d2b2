from odoo.tests import HttpCase, tagged

from .common import PASSWORDS, MesCase


@tagged('post_install', '-at_install')
class TestGuidedExecutionUi(MesCase, HttpCase):
    """The operator's guided execution, driven in a real headless Chromium."""

    def test_operator_records_a_work_order_in_the_browser(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        action = self.env.ref('mes_bridge.action_mes_workorder_shop_floor')
        self.start_tour('/odoo/action-%s/%d' % (action.id, molding.id),
                        'mes_bridge_guided_execution', login='mes_operator')
        # what the browser did is what the record says
        steps = self.steps(molding)
        self.assertEqual(steps.mapped('state'), ['done'] * 4)
        self.assertEqual(steps[1].lot_id, self.resin_lot)
        self.assertEqual(steps[2].value_entered, '231.5')
        self.assertEqual(steps[3].equipment_code, 'MOULD-07')
        self.assertEqual(set(steps.mapped('operator_id')), {self.operator})
        refusal = production.mes_exception_ids
        self.assertEqual((refusal.kind, refusal.scanned_code), ('equipment_mismatch', 'MOULD-99'))
        self.assertEqual(molding.state, 'done')
