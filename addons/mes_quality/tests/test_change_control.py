from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PASSWORDS, QA2_PASSWORD, QualityCase


@tagged('post_install', '-at_install')
class TestChangeControl(QualityCase):
    """ISO 13485 4.1.4 / 7.3.9: with the company setting on, a new master record or inspection
    plan version is approved only through an approved change request naming it; the request
    shows the difference and the computed impact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.mes_change_control_required = True
        action = cls.bom.with_user(cls.planner).action_mes_new_version()
        cls.v2 = cls.env['mrp.bom'].browse(action['res_id'])
        stopper_line = cls.v2.bom_line_ids.filtered(lambda l: l.product_id == cls.stopper)
        stopper_line.with_user(cls.planner).product_qty = 12
        temperature = cls.v2.operation_ids.mes_step_ids.filtered(
            lambda s: s.name == 'Barrel temperature')
        temperature.with_user(cls.planner).write({'lower_limit': 225, 'upper_limit': 238})

    def request(self, **values):
        return self.env['mes.change.request'].with_user(self.planner).create(dict(
            {'title': 'Stopper quantity and moulding window', 'change_type': 'bom',
             'bom_id': self.v2.id, 'reason': 'Field complaint: weak seal',
             'risk_assessment': 'Low: verified by DV-31'}, **values))

    def test_new_version_needs_an_approved_change_request(self):
        with self.assertRaisesRegex(UserError, 'change control'):
            self.v2.with_user(self.qa_manager).action_mes_approve()
        with self.assertRaisesRegex(UserError, 'change control'):
            self.v2.with_user(self.qa_manager).mes_sign(
                'approved', self.qa_manager.login, PASSWORDS['qa_manager'], 'ok')
        self.assertEqual(self.v2.mes_approval_state, 'draft')
        request = self.request()
        # the difference, side by side, and the impact, computed
        self.assertIn('Component Rubber Stopper (test): 10 Units -> 12 Units', request.diff_text)
        self.assertIn('Barrel temperature: measurement [220.0 .. 240.0', request.diff_text)
        self.assertIn('-> measurement [225.0 .. 238.0', request.diff_text)
        production = self.create_production()
        self.assertGreaterEqual(request.open_order_count, 1)
        self.assertTrue(production)
        # reviewed by quality, then approved by a QA manager: in order, never the requester
        with self.assertRaisesRegex(UserError, 'in order'):
            request.with_user(self.qa_manager).mes_sign(
                'approved', self.qa_manager.login, PASSWORDS['qa_manager'], 'ok')
        self.assertTrue(request.with_user(self.qa_manager2).mes_sign(
            'reviewed', self.qa_manager2.login, QA2_PASSWORD, 'Impact checked')['signed'])
        with self.assertRaises(AccessError):  # an inspector reviews, never approves
            request.with_user(self.inspector).mes_sign(
                'approved', self.inspector.login, PASSWORDS['inspector'], 'ok')
        with self.assertRaisesRegex(AccessError, 'Segregation of duties'):
            request.with_user(self.qa_manager2).mes_sign(
                'approved', self.qa_manager2.login, QA2_PASSWORD, 'ok')
        self.assertTrue(request.with_user(self.qa_manager).mes_sign(
            'approved', self.qa_manager.login, PASSWORDS['qa_manager'], 'Go')['signed'])
        self.assertEqual(request.state, 'approved')
        with self.assertRaisesRegex(UserError, 'cannot change'):
            request.with_user(self.planner).write({'reason': 'Rewritten'})
        self.approve(self.v2)
        self.assertEqual(self.v2.mes_approval_state, 'approved')
        request.with_user(self.planner).mes_implement('Released to production on line 2')
        with self.assertRaisesRegex(UserError, 'QA manager'):
            request.with_user(self.inspector).mes_review('fine')
        request.with_user(self.qa_manager).mes_review('No seal complaint in 3 months')
        self.assertEqual(request.state, 'closed')

    def test_plan_versions_are_under_change_control_too(self):
        company = self.company
        company.mes_change_control_required = False
        plan = self.make_plan(self.stopper, [{
            'name': 'Diameter', 'characteristic_type': 'variable', 'lower_limit': 6.4,
            'upper_limit': 6.6, 'sampling_method': 'fixed', 'sample_size': 5}])
        company.mes_change_control_required = True
        v2 = self.env['mes.inspection.plan'].browse(
            plan.with_user(self.qa_manager).action_new_version()['res_id'])
        v2.characteristic_ids.with_user(self.qa_manager).write({'upper_limit': 6.7})
        with self.assertRaisesRegex(UserError, 'change control'):
            self.approve_plan(v2)
        request = self.env['mes.change.request'].with_user(self.qa_manager).create({
            'title': 'Wider diameter', 'change_type': 'plan', 'plan_id': v2.id,
            'reason': 'New stopper drawing rev C'})
        self.assertIn('Characteristic Diameter: 6.4 .. 6.6 -> 6.4 .. 6.7', request.diff_text)
        request.with_user(self.inspector).mes_sign('reviewed', self.inspector.login,
                                                   PASSWORDS['inspector'], 'ok')
        request.with_user(self.qa_manager2).mes_sign('approved', self.qa_manager2.login,
                                                     QA2_PASSWORD, 'ok')
        self.assertTrue(self.approve_plan(v2)['signed'])

    def test_state_and_deletion_cannot_be_forged(self):
        request = self.request()
        with self.assertRaisesRegex(UserError, 'moves on by its approval'):
            request.with_user(self.planner).write({'state': 'approved'})
        forged = self.env['mes.change.request'].with_user(self.planner).with_context(
            default_state='approved').create({'title': 'x', 'reason': 'y', 'change_type': 'bom',
                                              'bom_id': self.v2.id})
        self.assertEqual(forged.state, 'draft')
        with self.assertRaisesRegex(UserError, 'change control'):
            self.v2.with_user(self.qa_manager).mes_sign(
                'approved', self.qa_manager.login, PASSWORDS['qa_manager'], 'ok')
        with self.assertRaisesRegex(UserError, 'cannot be deleted'):
            request.sudo().unlink()
        with self.assertRaises(AccessError):
            self.env['mes.change.request'].with_user(self.operator).create(
                {'title': 'x', 'reason': 'y'})
