from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import PASSWORDS, QualityCase
from .test_inspection import DIAMETER


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestQualityAdversarial(QualityCase):
    """The quality rules against a hostile user: another company, forged facts, plain ORM
    calls around the buttons."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.make_plan(cls.stopper, [dict(DIAMETER, subgroup_size=5)])
        cls.company_b = cls.env['res.company'].create({'name': 'Quality B (test)'})
        cls.inspector_b = new_test_user(
            cls.env, 'mes_inspector_b', company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
            groups='mes_bridge.group_mes_quality_inspector,mes_bridge.group_mes_quality_manager',
            password='inspector-b-Secret-2026')

    def test_another_company_cannot_read_record_decide_or_chart(self):
        _picking, lot = self.receive(self.stopper, 'STP-ADV-1', 100)
        inspection = self.inspection_of(lot)
        line = inspection.line_ids
        with self.assertRaises(AccessError):
            inspection.with_user(self.inspector_b).mes_record_results(
                [{'line_id': line.id, 'sample_no': 1, 'value': '6.5'}])
        with self.assertRaises(AccessError):
            self.env['mes.inspection.result'].with_user(self.inspector_b).create(
                {'line_id': line.id, 'sample_no': 1, 'entered_value': '6.5'})
        self.record_all(inspection, value='6.5')
        with self.assertRaises(AccessError):
            inspection.with_user(self.inspector_b).mes_decide('mes_inspector_b',
                                                              'inspector-b-Secret-2026')
        self.assertEqual(inspection.state, 'pending')
        with self.assertRaises(AccessError):
            self.plan.characteristic_ids.with_user(self.inspector_b).mes_spc_chart()
        self.assertFalse(self.env['mes.inspection'].with_user(self.inspector_b).search(
            [('id', '=', inspection.id)]))
        self.assertFalse(self.env['mes.spc.measurement'].with_user(self.inspector_b).search([]))
        state = inspection.sampling_state_id
        with self.assertRaises(AccessError):
            self.env['mes.sampling.decision'].with_user(self.inspector_b).create({
                'state_id': state.id, 'decision_type': 'reduce', 'reason': 'hostile',
                'production_steady': True})

    def test_facts_of_a_result_cannot_be_forged(self):
        _picking, lot = self.receive(self.stopper, 'STP-ADV-2', 100)
        inspection = self.inspection_of(lot)
        line = inspection.line_ids
        # the stored value and the flag come from what was entered, never from the caller
        result = self.env['mes.inspection.result'].with_user(self.inspector).create({
            'line_id': line.id, 'sample_no': 1, 'entered_value': '7.2', 'value': 6.5,
            'out_of_spec': False})
        self.assertEqual((result.value, result.out_of_spec), (7.2, True))
        with self.assertRaisesRegex(UserError, 'Only the value'):
            result.with_user(self.inspector).write({'line_id': line.id, 'sample_no': 2})
        # the inspector cannot approve the decision nor sign a plan
        self.record_all(inspection, value='6.5')
        with self.assertRaises(AccessError):
            self.plan.with_user(self.inspector).mes_unlock_for_correction(
                'hostile', self.inspector.login, PASSWORDS['inspector'])
        # an operator reads but records nothing
        with self.assertRaises(AccessError):
            self.env['mes.inspection.result'].with_user(self.operator).create(
                {'line_id': line.id, 'sample_no': 2, 'entered_value': '6.5'})

    def test_unlock_for_correction_reopens_and_keeps_the_history(self):
        _picking, lot = self.receive(self.stopper, 'STP-ADV-3', 100)
        inspection = self.inspection_of(lot)
        self.record_all(inspection, value='6.5')
        self.decide(inspection)
        self.assertEqual(inspection.decision, 'accept')
        outcome = inspection.with_user(self.qa_manager).mes_unlock_for_correction(
            'Gauge found out of calibration after the inspection', self.qa_manager.login,
            PASSWORDS['qa_manager'])
        self.assertTrue(outcome['unlocked'])
        self.assertEqual((inspection.state, inspection.decision), ('pending', False))
        result = inspection.line_ids.result_ids[:1]
        result.with_user(self.inspector).write({'entered_value': '6.65',
                                                'correction_reason': 'Re-measured'})
        self.decide(inspection)
        self.assertEqual(inspection.decision, 'reject')
        self.assertEqual(len(inspection.mes_signature_ids), 2)
        self.assertEqual(set(inspection.mes_signature_ids.mapped('state')),
                         {'valid', 'invalidated'})
