from odoo.addons.mes_quality.lib import sampling
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PASSWORDS, QA2_PASSWORD, QualityCase

VISUAL = {'name': 'Visual defects', 'characteristic_type': 'attribute',
          'sampling_method': 'iso2859', 'inspection_level': 'II', 'aql_major': '1.0'}


@tagged('post_install', '-at_install')
class TestSwitchingRules(QualityCase):
    """ISO 2859-1 clause 9 on real inspections: each lot's signed decision moves the state
    kept per plan, product and supplier; every change is audited with its lot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.make_plan(cls.stopper, [VISUAL])
        cls.lot_count = 0

    def lot(self, partner=None, accepted=True):
        """Receive a lot of 500 and decide it: accepted (no defect) or not (5 major)."""
        type(self).lot_count += 1
        _picking, lot = self.receive(self.stopper, 'STP-SW-%03d' % self.lot_count, 500,
                                     partner=partner)
        inspection = self.inspection_of(lot)
        defects = {} if accepted else {1: {'defects_major': 5}}
        self.record_all(inspection, defects=defects)
        self.assertTrue(self.decide(inspection)['signed'])
        self.assertEqual(inspection.decision, 'accept' if accepted else 'reject')
        return inspection

    def state(self, partner=None):
        return self.env['mes.sampling.state'].search([
            ('plan_root_id', '=', self.plan.id), ('product_id', '=', self.stopper.id),
            ('partner_id', '=', (partner or self.supplier).id)])

    def test_two_of_five_not_accepted_tightens_five_accepted_relax(self):
        first = self.lot()
        self.assertEqual(first.severity, 'normal')
        self.lot(accepted=False)
        self.lot()
        self.lot(accepted=False)
        state = self.state()
        self.assertEqual(state.severity, 'tightened')
        self.assertIn('normal to tightened', state.last_reason.lower())
        self.assertIn('STP-SW-', state.last_reason)
        tightened = self.lot()
        self.assertEqual(tightened.severity, 'tightened')
        # the lot is sampled with the tightened plan of the standard's table
        line = tightened.line_ids
        expected = sampling.single_plan(500, 'II', '1.0', 'tightened')
        self.assertEqual((line.sample_size, line.acceptance_number),
                         (expected.sample_size, expected.ac))
        normal = sampling.single_plan(500, 'II', '1.0', 'normal')
        self.assertLess(expected.ac / expected.sample_size, normal.ac / normal.sample_size)
        for _i in range(4):
            self.lot()
        self.assertEqual(self.state().severity, 'normal')
        # another supplier keeps its own history
        other = self.lot(partner=self.other_supplier)
        self.assertEqual(other.severity, 'normal')
        entries = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.sampling.state'), ('res_id', '=', state.id),
            ('field_name', '=', 'severity')])
        self.assertEqual(sorted(entries.mapped('new_value')), ['normal', 'normal', 'tightened'])

    def test_discontinuation_blocks_receipts_until_a_signed_resumption(self):
        self.lot(accepted=False)
        self.lot(accepted=False)
        self.assertEqual(self.state().severity, 'tightened')
        for _i in range(5):
            self.lot(accepted=False)
        state = self.state()
        self.assertTrue(state.discontinued)
        with self.assertRaisesRegex(UserError, 'discontinued'):
            self.receive(self.stopper, 'STP-SW-BLOCKED', 500)
        self.assertFalse(self.env['stock.lot'].search([('name', '=', 'STP-SW-BLOCKED')]))
        # only a QA manager resumes, with a signed reason
        with self.assertRaises(AccessError):
            self.env['mes.sampling.decision'].with_user(self.inspector).create({
                'state_id': state.id, 'decision_type': 'resume', 'reason': 'Supplier fixed'})
        with self.assertRaisesRegex(UserError, 'kept by inspections'):
            state.with_user(self.qa_manager).write({'discontinued': False})
        decision = self.env['mes.sampling.decision'].with_user(self.qa_manager).create({
            'state_id': state.id, 'decision_type': 'resume',
            'reason': 'Supplier corrective action SCAR-12 verified'})
        self.assertTrue(state.discontinued)
        outcome = decision.with_user(self.qa_manager).mes_sign(
            'approved', self.qa_manager.login, PASSWORDS['qa_manager'], 'CAPA verified')
        self.assertTrue(outcome['signed'], outcome['message'])
        self.assertFalse(state.discontinued)
        self.assertEqual(state.severity, 'tightened')
        self.assertTrue(self.lot().severity, 'tightened')

    def test_reduced_needs_the_score_steady_production_and_a_signed_approval(self):
        state = self.env['mes.sampling.state'].sudo()._mes_for(
            self.plan, self.stopper, self.supplier, self.company)
        decision = self.env['mes.sampling.decision'].with_user(self.qa_manager2)
        with self.assertRaisesRegex(UserError, 'switching score'):
            decision.create({'state_id': state.id, 'decision_type': 'reduce',
                             'reason': 'Good history', 'production_steady': True})
        # Ac 1 at AQL 1.0 (code H): 2 points per accepted lot, 30 needed = 15 lots
        for _i in range(15):
            self.lot()
        self.assertGreaterEqual(state.switching_score, 30)
        self.assertEqual(state.severity, 'normal')
        with self.assertRaisesRegex(UserError, 'steady rate'):
            decision.create({'state_id': state.id, 'decision_type': 'reduce',
                             'reason': 'Good history', 'production_steady': False})
        approval = decision.create({'state_id': state.id, 'decision_type': 'reduce',
                                    'reason': 'Good history', 'production_steady': True})
        self.assertTrue(approval.mes_sign('approved', self.qa_manager2.login, QA2_PASSWORD,
                                          'Supplier stable for 15 lots')['signed'])
        self.assertEqual(state.severity, 'reduced')
        reduced = self.lot()
        self.assertEqual(reduced.severity, 'reduced')
        self.lot(accepted=False)
        self.assertEqual(state.severity, 'normal')
