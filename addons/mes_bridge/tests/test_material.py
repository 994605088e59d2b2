from odoo.tests import tagged

from .common import AssemblyCase


@tagged('post_install', '-at_install')
class TestMaterialVerification(AssemblyCase):

    def assertRefused(self, step, code, kind, *fragments):
        before = len(self.production.mes_exception_ids)
        result = self.record(step, code=code)
        self.assertFalse(result['accepted'])
        for fragment in fragments:
            self.assertIn(fragment, result['message'])
        self.assertEqual(step.state, 'pending', 'a refused scan leaves the step open')
        self.assertFalse(step.lot_id)
        self.production.invalidate_recordset(['mes_exception_ids'])
        exceptions = self.production.mes_exception_ids
        self.assertEqual(len(exceptions), before + 1, 'every refusal is recorded')
        exception = self.env['mes.exception'].browse(result['exception_id'])
        self.assertEqual((exception.kind, exception.source, exception.scanned_code),
                         (kind, 'material', code))
        self.assertEqual(exception.step_execution_id, step)
        return exception

    def test_wrong_product_is_refused(self):
        exception = self.assertRefused(self.stopper_step, 'NDL-001', 'wrong_product',
                                       'NDL-001', 'Needle 23G (test)', 'Rubber Stopper (test)')
        self.assertEqual(exception.lot_id, self.needle_lot)

    def test_expired_lot_is_refused(self):
        self.record(self.stopper_step, code='STP-001')
        self.assertRefused(self.needle_step, 'NDL-000', 'expired_lot', 'NDL-000', 'expired')

    def test_quarantined_lot_is_refused(self):
        self.assertRefused(self.stopper_step, 'STP-002', 'unreleased_lot', 'STP-002', 'Quarantine')

    def test_on_hold_and_rejected_lots_are_refused(self):
        self.stopper_lot.with_user(self.inspector).mes_release_state = 'on_hold'
        self.assertRefused(self.stopper_step, 'STP-001', 'unreleased_lot', 'STP-001', 'On Hold')
        self.stopper_lot.with_user(self.qa_manager).mes_release_state = 'rejected'
        self.assertRefused(self.stopper_step, 'STP-001', 'unreleased_lot', 'STP-001', 'Rejected')

    def test_unknown_lot_is_refused(self):
        self.assertRefused(self.stopper_step, 'NOPE-404', 'unknown_lot', 'NOPE-404')

    def test_untracked_component_needs_its_own_barcode(self):
        self.record(self.stopper_step, code='STP-001')
        self.record(self.needle_step, code='NDL-001')
        self.assertRefused(self.label_step, 'LBL-999', 'wrong_product', 'LBL-999')
        self.assertTrue(self.record(self.label_step, code='LBL-001')['accepted'])

    def test_accepted_lot_is_consumed_by_the_production_raw_move(self):
        result = self.record(self.stopper_step, code='STP-001')
        self.assertTrue(result['accepted'])
        self.assertEqual(self.stopper_step.lot_id, self.stopper_lot)
        move = self.production.move_raw_ids.filtered(lambda m: m.product_id == self.stopper)
        self.assertEqual(move.move_line_ids.lot_id, self.stopper_lot)
        self.assertEqual(sum(move.move_line_ids.mapped('quantity')), 10)
        self.assertTrue(move.picked)
        # the molding step consumed the resin lot the same way
        resin_move = self.production.move_raw_ids.filtered(lambda m: m.product_id == self.resin)
        self.assertEqual(resin_move.move_line_ids.lot_id, self.resin_lot)
        # finish the order: Odoo's own traceability sees the scanned lots consumed
        for step, kw in zip(self.steps(self.assembly)[1:], [
                {'code': 'NDL-001'}, {'code': 'LBL-001'}, {'value': '7'}, {'passed': True},
                {'login': 'mes_operator', 'password': 'operator-Secret-2026'}]):
            self.assertTrue(self.record(step, **kw)['accepted'])
        self.production.button_mark_done()
        self.assertEqual(self.production.state, 'done')
        consumed = self.production.move_raw_ids.move_line_ids.filtered(lambda ml: ml.state == 'done')
        self.assertEqual(consumed.lot_id, self.resin_lot | self.stopper_lot | self.needle_lot)
        self.assertEqual(self.stopper_lot.product_qty, 490)

    def test_gs1_label_is_read_and_gtin_checked(self):
        # resin carries GTIN 05901234123457 (EAN-13 5901234123457); scan the label of the right lot on a new order
        production = self.released_production()
        molding = self.workorders(production)[0]
        molding.with_user(self.operator).button_start()
        first, scan = self.steps(molding)[:2]
        self.record(first)
        wrong_gtin = self.record(scan, code='(01)04012345000023(10)RES-001')
        self.assertFalse(wrong_gtin['accepted'])
        self.assertIn('GTIN', wrong_gtin['message'])
        ok = self.record(scan, code='(01)05901234123457(17)301231(10)RES-001')
        self.assertTrue(ok['accepted'])
        self.assertEqual(scan.lot_id, self.resin_lot)
