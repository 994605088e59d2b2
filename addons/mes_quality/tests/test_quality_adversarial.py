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


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestQualityReviewFindings(QualityCase):
    """Findings of the review of the quality code, each as the hostile or careless call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.make_plan(cls.stopper, [
            dict(DIAMETER, sampling_method='iso2859', aql='1.0', inspection_level='S-2')])

    def test_c1_context_defaults_cannot_forge_facts(self):
        forged = {'default_state': 'decided', 'default_decision': 'accept',
                  'default_decided_by_id': self.qa_manager.id, 'default_severity': 'reduced',
                  'default_switching_score': 99, 'default_switching_recorded': True}
        # the receipt validated by a caller sending that context (JSON-2 takes one)
        _picking, lot = self.receive(self.stopper, 'STP-C1-1', 500, validate_context=forged)
        inspection = self.inspection_of(lot)
        self.assertEqual((inspection.state, inspection.decision, inspection.decided_by_id),
                         ('pending', False, self.env['res.users']))
        self.assertEqual((inspection.severity, inspection.sampling_state_id.switching_score),
                         ('normal', 0))
        with self.assertRaisesRegex(UserError, 'not decided yet'):
            lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        # a plan, a master record or a release cannot be born approved either
        plan = self.env['mes.inspection.plan'].with_user(self.qa_manager).with_context(
            default_approval_state='approved', default_approved_by_id=self.qa_manager2.id,
            default_version=7).create({
                'name': 'Born approved', 'product_tmpl_id': self.needle.product_tmpl_id.id,
                'characteristic_ids': [(0, 0, DIAMETER)]})
        self.assertEqual((plan.approval_state, plan.approved_by_id.id, plan.version),
                         ('draft', False, 1))
        bom = self.env['mrp.bom'].with_user(self.planner).with_context(
            default_mes_approval_state='approved').create({
                'product_tmpl_id': self.needle.product_tmpl_id.id, 'product_qty': 1})
        self.assertEqual(bom.mes_approval_state, 'draft')
        production = self.env['mrp.production'].with_user(self.planner).with_context(
            default_mes_release_date='2026-01-01 00:00:00',
            default_mes_released_by_id=self.supervisor.id).create({
                'product_id': self.syringe.id, 'product_qty': 1, 'bom_id': self.bom.id})
        self.assertFalse(production.mes_release_date)

    def test_h1_a_plan_in_use_is_not_unlocked_in_place(self):
        self.receive(self.stopper, 'STP-H1-1', 500)
        outcome = None
        with self.assertRaisesRegex(UserError, 'in use: create a new version'):
            outcome = self.plan.with_user(self.qa_manager).mes_unlock_for_correction(
                'Widen the USL', self.qa_manager.login, PASSWORDS['qa_manager'])
        self.assertIsNone(outcome)
        self.assertEqual(self.plan.approval_state, 'approved')

    def test_h2_h3_a_corrected_decision_counts_once_and_the_lot_waits_again(self):
        _picking, lot = self.receive(self.stopper, 'STP-H2-1', 500)
        inspection = self.inspection_of(lot)
        state = inspection.sampling_state_id
        self.record_all(inspection, value='6.50')
        self.decide(inspection)
        lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        counted = (state.switching_score, state.consecutive_accepted, state.history)
        inspection.with_user(self.qa_manager).mes_unlock_for_correction(
            'Gauge out of calibration', self.qa_manager.login, PASSWORDS['qa_manager'])
        self.assertEqual(lot.mes_release_state, 'quarantine')
        self.decide(inspection)
        self.assertEqual((state.switching_score, state.consecutive_accepted, state.history),
                         counted)

    def test_h5_attribute_plan_without_aql_judges_defective_units(self):
        plan = self.make_plan(self.needle, [{
            'name': 'Burrs', 'characteristic_type': 'attribute', 'sampling_method': 'fixed',
            'sample_size': 5, 'acceptance_number': 1}])
        lot = self.env['stock.lot'].create({'name': 'NDL-H5', 'product_id': self.needle.id})
        inspection = self.env['mes.inspection']._mes_start(plan, self.needle, lot, 100)
        self.record_all(inspection, defects={1: {'defects_minor': 1}, 2: {'defects_major': 2}})
        self.assertEqual(inspection.proposed_decision, 'reject')

    def test_h7_a_held_lot_stays_held_when_received_again(self):
        _picking, lot = self.receive(self.stopper, 'STP-H7-1', 100)
        lot.with_user(self.qa_manager).write({'mes_release_state': 'rejected'})
        self.receive(self.stopper, 'STP-H7-1', 100)
        self.assertEqual(lot.mes_release_state, 'rejected')

    def test_h9_a_duplicated_plan_starts_its_own_spc_history(self):
        copy = self.plan.with_user(self.qa_manager).copy()
        self.assertNotEqual(copy.characteristic_ids.spc_key, self.plan.characteristic_ids.spc_key)
        version = self.env['mes.inspection.plan'].browse(
            self.plan.with_user(self.qa_manager).action_new_version()['res_id'])
        self.assertEqual(version.characteristic_ids.spc_key,
                         self.plan.characteristic_ids.spc_key)
        with self.assertRaisesRegex(UserError, 'never typed'):
            copy.characteristic_ids.with_user(self.qa_manager).write(
                {'spc_key': self.plan.characteristic_ids.spc_key})
