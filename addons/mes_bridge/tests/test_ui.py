from odoo.tests import HttpCase, tagged

from .common import MesCase
from .test_genealogy import GenealogyCase


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



@tagged('post_install', '-at_install')
class TestGenealogyUi(GenealogyCase, HttpCase):
    """The genealogy tree in a real headless Chromium."""

    def test_reviewer_unfolds_a_forward_trace(self):
        resin, barrel, syringe = (self.product('%s T' % n) for n in ('Resin', 'Barrel', 'Syringe'))
        resin_lot = self.lot(resin, 'RES-T1', 50)
        _mo, barrel_lot = self.produce(self.bom(barrel, [(resin, 1)]), 4, 'BRL-T1',
                                       {resin: [(resin_lot, 4)]})
        _mo, syringe_lot = self.produce(self.bom(syringe, [(barrel, 1)]), 2, 'SYR-T1',
                                        {barrel: [(barrel_lot, 2)]})
        barrel_lot.write({'mes_release_state': 'on_hold', 'mes_release_reason': 'Investigation'})
        self.deliver(syringe, syringe_lot, 2)
        self.start_tour('/odoo/action-stock.action_production_lot_form/%d' % resin_lot.id,
                        'mes_bridge_genealogy', login='admin')


@tagged('post_install', '-at_install')
class TestPart11TabsUi(MesCase, HttpCase):
    """The form parts the Part 11 mixins inject render in the web client (issue 9)."""

    def test_reviewer_sees_signatures_and_history_of_a_master_record(self):
        self.start_tour('/odoo/action-mrp.mrp_bom_form_action/%d' % self.bom.id,
                        'mes_bridge_part11_tabs', login='admin')
