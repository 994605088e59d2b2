from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MesCase


@tagged('post_install', '-at_install')
class TestAccessRights(MesCase):

    def test_operator_cannot_approve_release_or_change_master_data(self):
        operator = self.operator
        draft = self.env['mrp.bom'].browse(self.bom.action_mes_new_version()['res_id'])
        with self.assertRaises(AccessError):
            draft.with_user(operator).action_mes_approve()
        with self.assertRaises(AccessError):
            draft.with_user(operator).write({'product_qty': 3})
        with self.assertRaises(AccessError):
            draft.bom_line_ids[0].with_user(operator).write({'product_qty': 3})
        with self.assertRaises(AccessError):
            draft.operation_ids[0].with_user(operator).write({'name': 'x'})
        with self.assertRaises(AccessError):
            draft.operation_ids.mes_step_ids[0].with_user(operator).write({'name': 'x'})
        with self.assertRaises(AccessError):
            self.env['mes.operation.step'].with_user(operator).create({
                'operation_id': draft.operation_ids[0].id, 'name': 'x', 'step_type': 'instruction'})
        with self.assertRaises(AccessError):
            self.bom.with_user(operator).action_mes_new_version()
        production = self.create_production()
        with self.assertRaises(AccessError):
            production.with_user(operator).action_mes_release()
        with self.assertRaises(AccessError):
            self.stopper_lot_quarantine.with_user(operator).mes_release_state = 'released'
        self.assertEqual(draft.mes_approval_state, 'draft')
        self.assertFalse(production.mes_release_date)

    def test_operator_cannot_create_step_records_out_of_thin_air(self):
        production = self.released_production()
        with self.assertRaises(AccessError):
            self.env['mes.step.execution'].with_user(self.operator).create({
                'workorder_id': production.workorder_ids[0].id, 'name': 'fake', 'step_type': 'instruction'})

    def test_only_operators_record_steps(self):
        production = self.released_production()
        workorder = self.workorders(production)[0]
        workorder.with_user(self.operator).button_start()
        with self.assertRaises(AccessError):
            self.steps(workorder)[0].with_user(self.planner).mes_record()
        with self.assertRaises(AccessError):
            self.steps(workorder)[0].with_user(self.inspector).mes_record()

    def test_lot_release_rights(self):
        lot = self.stopper_lot_quarantine
        with self.assertRaises(AccessError):
            lot.with_user(self.inspector).mes_release_state = 'released'
        with self.assertRaises(AccessError):
            lot.with_user(self.supervisor).mes_release_state = 'released'
        lot.with_user(self.qa_manager).mes_release_state = 'released'
        self.assertEqual(lot.mes_release_state, 'released')
        lot.with_user(self.inspector).mes_release_state = 'on_hold'
        self.assertEqual(lot.mes_release_state, 'on_hold')
        # buttons on the lot form go through the same check
        with self.assertRaises(AccessError):
            lot.with_user(self.inspector).with_context(mes_release_state='released').action_mes_set_release_state()

    def test_new_lots_take_the_product_default(self):
        lot = self.env['stock.lot'].with_user(self.supervisor).create(
            {'product_id': self.stopper.id, 'name': 'STP-NEW'})
        self.assertEqual(lot.mes_release_state, 'quarantine')
        self.stopper.mes_lot_release_state = 'released'
        lot2 = self.env['stock.lot'].with_user(self.supervisor).create(
            {'product_id': self.stopper.id, 'name': 'STP-NEW2'})
        self.assertEqual(lot2.mes_release_state, 'released')
        with self.assertRaises(AccessError):
            self.env['stock.lot'].with_user(self.supervisor).create(
                {'product_id': self.stopper.id, 'name': 'STP-NEW3', 'mes_release_state': 'released'})

    def test_multi_company_rules_hide_other_companies_records(self):
        production = self.released_production()
        other = self.env['res.company'].create({'name': 'Other Plant'})
        outsider = self.env['res.users'].create({
            'name': 'Other Operator', 'login': 'other_op', 'company_id': other.id,
            'company_ids': [(6, 0, [other.id])],
            'group_ids': [(6, 0, [self.env.ref('mes_bridge.group_mes_supervisor').id])]})
        self.env['mes.exception'].create({'description': 'x', 'production_id': production.id})
        Exec = self.env['mes.step.execution'].with_user(outsider)
        self.assertFalse(Exec.search([('production_id', '=', production.id)]))
        self.assertFalse(self.env['mes.exception'].with_user(outsider).search(
            [('production_id', '=', production.id)]))
        self.assertTrue(self.env['mes.step.execution'].with_user(self.operator).search(
            [('production_id', '=', production.id)]))

    def test_context_keys_cannot_bypass_integrity_rules(self):
        """JSON-2 and the web client let callers send any context: it must not matter."""
        production = self.released_production()
        workorder = self.workorders(production)[0]
        workorder.with_user(self.operator).button_start()
        step = self.steps(workorder)[0]
        with self.assertRaises(UserError):  # AccessError is a UserError too
            step.with_user(self.operator).with_context(mes_recording=True).write(
                {'state': 'done', 'result': 'pass'})
        with self.assertRaises(UserError):
            step.with_user(self.env.ref('base.user_admin')).with_context(
                mes_recording=True).write({'result': 'pass'})  # not even the administrator
        self.assertEqual(step.state, 'pending')
        exception = self.env['mes.exception'].create(
            {'description': 'x', 'production_id': production.id, 'severity': 'critical'})
        with self.assertRaises(UserError):
            exception.with_user(self.supervisor).with_context(mes_disposition=True).write(
                {'state': 'dispositioned', 'disposition': 'use_as_is'})
        self.assertTrue(exception.blocking)
        draft = self.env['mrp.bom'].browse(self.bom.action_mes_new_version()['res_id'])
        with self.assertRaises(UserError):
            draft.with_user(self.planner).with_context(mes_bom_lifecycle=True).write(
                {'mes_approval_state': 'approved'})
        with self.assertRaises(UserError):
            self.bom.with_user(self.planner).with_context(mes_bom_lifecycle=True).write(
                {'product_qty': 1})
        self.assertEqual(draft.mes_approval_state, 'draft')
