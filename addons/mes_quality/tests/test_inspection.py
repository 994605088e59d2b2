from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PASSWORDS, QualityCase

DIAMETER = {'name': 'Stopper diameter', 'characteristic_type': 'variable', 'nominal': 6.5,
            'lower_limit': 6.4, 'upper_limit': 6.6, 'decimals': 2,
            'sampling_method': 'fixed', 'sample_size': 5, 'acceptance_number': 0}
VISUAL = {'name': 'Visual defects', 'characteristic_type': 'attribute',
          'sampling_method': 'iso2859', 'inspection_level': 'II',
          'aql_critical': '0.065', 'aql_major': '1.0'}


@tagged('post_install', '-at_install')
class TestInspectionPlans(QualityCase):

    def test_plan_is_approved_by_another_qa_manager_then_locked(self):
        plan = self.make_plan(self.stopper, [DIAMETER], approve=False)
        with self.assertRaisesRegex(AccessError, 'Segregation of duties'):
            plan.with_user(self.qa_manager).mes_sign('approved', self.qa_manager.login,
                                                     PASSWORDS['qa_manager'])
        self.assertTrue(self.approve_plan(plan)['signed'])
        self.assertEqual(plan.approval_state, 'approved')
        self.assertEqual(plan.approved_by_id, self.qa_manager2)
        with self.assertRaisesRegex(UserError, 'cannot change'):
            plan.with_user(self.qa_manager).write({'name': 'Renamed'})
        with self.assertRaisesRegex(UserError, 'cannot change'):
            plan.characteristic_ids.with_user(self.qa_manager).write({'upper_limit': 9.0})
        with self.assertRaisesRegex(UserError, 'cannot change'):
            self.env['mes.inspection.characteristic'].with_user(self.qa_manager).create(
                dict(DIAMETER, plan_id=plan.id, name='Sneaked in'))
        with self.assertRaises(UserError):
            plan.with_user(self.qa_manager).unlink()
        # a change is a new version; approving it obsoletes the old one
        action = plan.with_user(self.qa_manager).action_new_version()
        v2 = self.env['mes.inspection.plan'].browse(action['res_id'])
        self.assertEqual((v2.version, v2.approval_state, v2.root_plan_id), (2, 'draft', plan))
        v2.characteristic_ids.with_user(self.qa_manager).write({'upper_limit': 6.7})
        self.approve_plan(v2)
        self.assertEqual(plan.approval_state, 'obsolete')
        self.assertEqual(self.env['mes.inspection.plan']._mes_plan_for(
            self.stopper, 'receiving', self.company), v2)

    def test_plan_cannot_be_approved_by_writing_or_by_the_wrong_people(self):
        with self.assertRaisesRegex(UserError, 'created as a draft'):
            self.env['mes.inspection.plan'].with_user(self.qa_manager).create({
                'name': 'Forged', 'product_tmpl_id': self.stopper.product_tmpl_id.id,
                'approval_state': 'approved', 'characteristic_ids': [(0, 0, DIAMETER)]})
        plan = self.make_plan(self.stopper, [DIAMETER], approve=False)
        with self.assertRaisesRegex(UserError, 'Approve and New Version'):
            plan.with_user(self.qa_manager).write({'approval_state': 'approved'})
        with self.assertRaises(AccessError):
            plan.with_user(self.operator).write({'name': 'Operator edit'})
        with self.assertRaises(AccessError):
            self.env['mes.inspection.plan'].with_user(self.inspector).create({
                'name': 'Inspector plan', 'product_tmpl_id': self.stopper.product_tmpl_id.id})
        with self.assertRaises(AccessError):
            plan.with_user(self.inspector).mes_sign('approved', self.inspector.login,
                                                    PASSWORDS['inspector'])
        self.assertEqual(plan.approval_state, 'draft')

    def test_definition_is_checked(self):
        with self.assertRaisesRegex(UserError, 'lower specification limit must be below'):
            self.make_plan(self.stopper, [dict(DIAMETER, lower_limit=7.0)], approve=False)
        with self.assertRaisesRegex(UserError, 'AQL of at least one defect class'):
            self.make_plan(self.stopper, [dict(VISUAL, aql_critical=False, aql_major=False)],
                           approve=False)
        with self.assertRaisesRegex(UserError, 'product or to a product category'):
            self.env['mes.inspection.plan'].with_user(self.qa_manager).create(
                {'name': 'Nowhere', 'characteristic_ids': [(0, 0, DIAMETER)]})


@tagged('post_install', '-at_install')
class TestReceivingInspection(QualityCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.make_plan(cls.stopper, [DIAMETER, VISUAL])

    def test_receipt_quarantines_the_lot_and_inspection_releases_it(self):
        _picking, lot = self.receive(self.stopper, 'STP-R-100', 500)
        self.assertEqual(lot.mes_release_state, 'quarantine')
        inspection = self.inspection_of(lot)
        self.assertEqual((inspection.state, inspection.partner_id, inspection.lot_qty),
                         ('pending', self.supplier, 500))
        diameter, visual = inspection.line_ids.sorted('sequence')
        self.assertEqual((diameter.sample_size, diameter.acceptance_number), (5, 0))
        # ISO 2859-1: 500 units, level II = code letter H, n = 50; AQL 1.0 normal = Ac 1;
        # critical AQL 0.065 follows the arrow down to code L, n = 200, Ac 0: the largest
        # sample is taken, each class judged on its own first n units
        self.assertEqual(visual.sample_size, 200)
        self.assertIn('major: n=50 Ac=1 Re=2 (H)', visual.plan_summary)
        self.assertIn('critical: n=200 Ac=0 Re=1 (L)', visual.plan_summary)
        # not releasable before the decision, whoever tries
        with self.assertRaisesRegex(UserError, 'not decided yet'):
            lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        outcome = self.record_all(inspection, value='6.52')
        self.assertEqual(outcome['samples_missing'], 0)
        self.assertEqual(outcome['proposed_decision'], 'accept')
        refused = self.decide(inspection, password='wrong-password')
        self.assertFalse(refused['signed'])
        self.assertEqual(inspection.state, 'pending')
        decided = self.decide(inspection)
        self.assertTrue(decided['signed'], decided['message'])
        self.assertEqual((inspection.state, inspection.decision, inspection.decided_by_id),
                         ('decided', 'accept', self.inspector))
        lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        self.assertEqual(lot.mes_release_state, 'released')
        # decided results are locked; deciding again is refused
        with self.assertRaisesRegex(UserError, 'locked'):
            inspection.line_ids.result_ids[:1].with_user(self.inspector).write(
                {'entered_value': '6.50', 'correction_reason': 'typo'})
        with self.assertRaisesRegex(UserError, 'already decided'):
            self.decide(inspection)

    def test_out_of_spec_rejects_puts_the_lot_on_hold_and_raises_an_exception(self):
        _picking, lot = self.receive(self.stopper, 'STP-R-101', 500)
        inspection = self.inspection_of(lot)
        diameter = inspection.line_ids.filtered(lambda l: l.characteristic_type == 'variable')
        outcome = inspection.with_user(self.inspector).mes_record_results(
            [{'line_id': diameter.id, 'sample_no': 1, 'value': '6,71'}])
        self.assertEqual(outcome['out_of_spec'], 1)
        self.record_all(inspection, value='6.50')
        self.assertEqual(inspection.proposed_decision, 'reject')
        self.assertTrue(self.decide(inspection)['signed'])
        self.assertEqual(inspection.decision, 'reject')
        self.assertEqual(lot.mes_release_state, 'on_hold')
        exception = inspection.exception_id
        self.assertEqual((exception.kind, exception.source, exception.lot_id),
                         ('inspection', 'quality', lot))
        self.assertTrue(exception.blocking)
        self.assertIn('Stopper diameter', exception.description)
        with self.assertRaisesRegex(UserError, 'rejected it'):
            lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        held = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'stock.lot'), ('res_id', '=', lot.id),
            ('field_name', '=', 'mes_release_state'), ('new_value', '=', 'on_hold')])
        self.assertIn(inspection.name, held.reason)

    def test_bad_input_is_refused_and_records_nothing(self):
        _picking, lot = self.receive(self.stopper, 'STP-R-102', 500)
        inspection = self.inspection_of(lot)
        diameter, visual = inspection.line_ids.sorted('sequence')
        Inspection = inspection.with_user(self.inspector)
        cases = [
            ([{'line_id': diameter.id, 'sample_no': 1, 'value': 'six point five'}],
             'is not a number'),
            ([{'line_id': diameter.id, 'sample_no': 1, 'value': '1e3'}], 'is not a number'),
            ([{'line_id': diameter.id, 'sample_no': 6, 'value': '6.5'}], 'samples 1 to 5'),
            ([{'line_id': diameter.id, 'sample_no': 0, 'value': '6.5'}], 'samples 1 to 5'),
            ([{'line_id': visual.id, 'sample_no': 1, 'defects_major': -1}], 'whole number'),
            ([{'line_id': visual.id, 'sample_no': 1, 'defects_major': 'two'}], 'whole number'),
            ([{'line_id': 999999, 'sample_no': 1, 'value': '6.5'}], 'not part of'),
            # one good row and one bad: neither is kept
            ([{'line_id': diameter.id, 'sample_no': 1, 'value': '6.5'},
              {'line_id': diameter.id, 'sample_no': 2, 'value': 'x'}], 'is not a number'),
        ]
        for results, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(UserError, message):
                Inspection.mes_record_results(results)
        self.assertFalse(inspection.line_ids.result_ids)
        Inspection.mes_record_results([{'line_id': diameter.id, 'sample_no': 1, 'value': '6.5'}])
        with self.assertRaisesRegex(UserError, 'already recorded'):
            Inspection.mes_record_results([{'line_id': diameter.id, 'sample_no': 1,
                                            'value': '6.6'}])
        # deciding with samples missing
        with self.assertRaisesRegex(UserError, 'more sample result'):
            self.decide(inspection)
        self.assertEqual(inspection.state, 'pending')

    def test_results_are_corrected_only_after_an_unlock_with_a_reason(self):
        _picking, lot = self.receive(self.stopper, 'STP-R-103', 500)
        inspection = self.inspection_of(lot)
        diameter = inspection.line_ids.sorted('sequence')[0]
        inspection.with_user(self.inspector).mes_record_results(
            [{'line_id': diameter.id, 'sample_no': 1, 'value': '6.8'}])
        result = diameter.result_ids
        self.assertTrue(result.out_of_spec)
        with self.assertRaisesRegex(UserError, 'cannot be edited'):
            result.with_user(self.inspector).write({'entered_value': '6.58',
                                                    'correction_reason': 'Misread'})
        self.record_all(inspection, value='6.50')
        self.decide(inspection)
        self.assertEqual(inspection.decision, 'reject')
        with self.assertRaisesRegex(UserError, 'locked'):
            result.with_user(self.inspector).write({'entered_value': '6.58',
                                                    'correction_reason': 'Misread'})
        inspection.with_user(self.qa_manager).mes_unlock_for_correction(
            'Sample 1 read on the wrong gauge', self.qa_manager.login, PASSWORDS['qa_manager'])
        with self.assertRaisesRegex(UserError, 'State why'):
            result.with_user(self.inspector).write({'entered_value': '6.58'})
        result.with_user(self.inspector).write({'entered_value': '6.58',
                                                'correction_reason': 'Read the wrong gauge'})
        self.assertFalse(result.out_of_spec)
        self.assertEqual(result.value, 6.58)
        entry = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.inspection.result'), ('res_id', '=', result.id),
            ('field_name', '=', 'entered_value'), ('operation', '=', 'write')])
        self.assertEqual((entry.old_value, entry.new_value, entry.reason),
                         ('6.8', '6.58', 'Read the wrong gauge'))
        # the SPC history follows the corrected value
        measurement = self.env['mes.spc.measurement'].search(
            [('inspection_result_id', '=', result.id)])
        self.assertEqual(measurement.value, 6.58)
        with self.assertRaises(UserError):
            result.with_user(self.inspector).write({'out_of_spec': False,
                                                    'correction_reason': 'x'})
        with self.assertRaises(UserError):
            result.with_user(self.qa_manager).unlink()
        self.decide(inspection)
        self.assertEqual(inspection.decision, 'accept')

    def test_nobody_writes_an_inspection_decision_or_creates_one_by_hand(self):
        _picking, lot = self.receive(self.stopper, 'STP-R-104', 500)
        inspection = self.inspection_of(lot)
        for user in (self.inspector, self.qa_manager):
            with self.assertRaisesRegex(UserError, 'decided by signing'):
                inspection.with_user(user).write({'decision': 'accept', 'state': 'decided'})
        with self.assertRaisesRegex(UserError, 'created by receipts'):
            self.env['mes.inspection'].with_user(self.qa_manager).create({
                'plan_id': self.plan.id, 'product_id': self.stopper.id,
                'inspection_type': 'receiving', 'company_id': self.company.id})
        with self.assertRaises(AccessError):
            inspection.with_user(self.operator).mes_record_results(
                [{'line_id': inspection.line_ids[0].id, 'sample_no': 1, 'value': '6.5'}])
        self.assertEqual(inspection.state, 'pending')
