from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import MesCase


@tagged('post_install', '-at_install')
class TestMasterRecord(MesCase):

    def test_approved_bom_is_read_only(self):
        self.assertEqual(self.bom.mes_approval_state, 'approved')
        self.assertEqual(self.bom.mes_approved_by_id, self.qa_manager)
        with self.assertRaisesRegex(UserError, 'new version'):
            self.bom.product_qty = 20
        with self.assertRaises(UserError):
            self.bom.bom_line_ids[0].product_qty = 99
        with self.assertRaises(UserError):
            self.bom.write({'bom_line_ids': [Command.create({'product_id': self.label.id})]})
        with self.assertRaises(UserError):
            self.op_molding.name = 'Changed'
        with self.assertRaises(UserError):
            self.op_molding.mes_step_ids[0].name = 'Changed'
        with self.assertRaises(UserError):
            self.env['mes.operation.step'].create({
                'operation_id': self.op_molding.id, 'name': 'Sneaked in', 'step_type': 'instruction'})
        with self.assertRaises(UserError):
            self.op_molding.mes_step_ids[0].unlink()
        with self.assertRaises(UserError):
            self.bom.unlink()

    def test_new_version_is_an_editable_copy_with_remapped_components(self):
        action = self.bom.with_user(self.planner).action_mes_new_version()
        v2 = self.env['mrp.bom'].browse(action['res_id'])
        self.assertEqual(v2.mes_version, 2)
        self.assertEqual(v2.mes_approval_state, 'draft')
        self.assertEqual(v2.mes_root_bom_id, self.bom)
        self.assertEqual(v2.mes_previous_version_id, self.bom)
        self.assertEqual(len(v2.operation_ids.mes_step_ids), len(self.bom.operation_ids.mes_step_ids))
        material_steps = v2.operation_ids.mes_step_ids.filtered(lambda s: s.step_type == 'material')
        self.assertTrue(material_steps)
        self.assertEqual(material_steps.bom_line_id.bom_id, v2,
                         'copied scan steps must point at the new version\'s components')
        v2.product_qty = 20  # drafts are editable
        v2.operation_ids[0].mes_step_ids[0].name = 'Reworded'
        self.assertEqual(self.bom.product_qty, 10)
        # approving v2 makes v1 obsolete and archived; v3 numbering continues
        self.approve(v2)
        self.assertEqual(self.bom.mes_approval_state, 'obsolete')
        self.assertFalse(self.bom.active)
        v3 = self.env['mrp.bom'].browse(v2.with_user(self.planner).action_mes_new_version()['res_id'])
        self.assertEqual(v3.mes_version, 3)

    def test_only_qa_manager_approves_and_only_drafts(self):
        draft = self.env['mrp.bom'].browse(self.bom.action_mes_new_version()['res_id'])
        for user in (self.operator, self.supervisor, self.planner, self.inspector):
            with self.assertRaises(AccessError):
                draft.with_user(user).action_mes_approve()
        self.assertEqual(draft.mes_approval_state, 'draft')
        with self.assertRaises(UserError):
            self.bom.with_user(self.qa_manager).action_mes_approve()
        with self.assertRaises(UserError):
            draft.with_user(self.planner).write({'mes_approval_state': 'approved'})

    def test_step_definitions_are_validated(self):
        draft = self.env['mrp.bom'].browse(self.bom.action_mes_new_version()['res_id'])
        operation = draft.operation_ids[0]
        Step = self.env['mes.operation.step']
        with self.assertRaises(ValidationError):
            Step.create({'operation_id': operation.id, 'name': 'Bad limits', 'step_type': 'measurement',
                         'limit_kind': 'range', 'lower_limit': 5, 'upper_limit': 1})
        with self.assertRaises(ValidationError):
            Step.create({'operation_id': operation.id, 'name': 'No component', 'step_type': 'material'})
        with self.assertRaises(ValidationError):
            Step.create({'operation_id': operation.id, 'name': 'Foreign component',
                         'step_type': 'material', 'bom_line_id': self.bom.bom_line_ids[0].id})
        with self.assertRaises(ValidationError):
            Step.create({'operation_id': operation.id, 'name': 'Unsigned', 'step_type': 'signature'})
