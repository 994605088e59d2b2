from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import PASSWORDS, AssemblyCase


class OverrideCase(AssemblyCase):

    def override(self, step, code, reason='QA release of the lot is signed, paperwork follows',
                 user=None, password=None, **kw):
        user = user or self.supervisor
        return step.with_user(user).mes_override(
            code, reason, login=user.login,
            password=password or PASSWORDS['supervisor'], **kw)

    def overrides(self):
        return self.env['mes.exception'].search([('production_id', '=', self.production.id),
                                                 ('kind', '=', 'manual_override')])


@tagged('post_install', '-at_install')
class TestSupervisorOverride(OverrideCase):

    def test_supervisor_signs_past_a_quarantined_lot(self):
        refused = self.record(self.stopper_step, code='STP-002')
        self.assertFalse(refused['accepted'])
        outcome = self.override(self.stopper_step, 'STP-002')
        self.assertTrue(outcome['accepted'], outcome['message'])
        step = self.stopper_step
        self.assertEqual((step.state, step.result, step.overridden, step.lot_id, step.operator_id),
                         ('done', 'pass', True, self.stopper_lot_quarantine, self.supervisor))
        self.assertEqual(step.comment, 'QA release of the lot is signed, paperwork follows')
        # Odoo's move consumes the lot the supervisor signed for
        move = self.production.move_raw_ids.filtered(lambda m: m.product_id == self.stopper)
        self.assertEqual(move.move_line_ids.lot_id, self.stopper_lot_quarantine)
        # the override is an exception QA finds, naming the refusal, the reason and the signer
        override = self.overrides()
        self.assertEqual(override.id, outcome['exception_id'])
        self.assertEqual((override.state, override.source, override.scanned_code, override.lot_id,
                          override.raised_by_id),
                         ('open', 'material', 'STP-002', self.stopper_lot_quarantine,
                          self.supervisor))
        for fragment in ('Sam Supervisor', 'STP-002', 'Quarantine', 'paperwork follows'):
            self.assertIn(fragment, override.description)
        # signed with its own meaning and reason, over what was recorded
        signature = step.mes_signature_ids
        self.assertEqual((signature.meaning_id.code, signature.signer_id, signature.reason,
                          signature.status),
                         ('override', self.supervisor,
                          'QA release of the lot is signed, paperwork follows', 'valid'))
        self.assertEqual(step.mes_signature_status, 'signed')
        self.assertIn('Override authorised by', signature.manifestation)
        content = step._mes_content()
        self.assertEqual((content['overridden'], content['lot_id'], content['scanned_code']),
                         (True, self.stopper_lot_quarantine.id, 'STP-002'))
        # the order goes on to the next step and finishes with the lot consumed
        self.assertEqual(outcome['next_step_id'], self.needle_step.id)
        for step_, kw in zip(self.steps(self.assembly)[1:], [
                {'code': 'NDL-001'}, {'code': 'LBL-001'}, {'value': '7'}, {'passed': True},
                {'login': 'mes_operator', 'password': PASSWORDS['operator']}]):
            self.assertTrue(self.record(step_, **kw)['accepted'])
        self.assembly.with_user(self.operator).button_finish()
        self.production.button_mark_done()
        consumed = self.production.move_raw_ids.move_line_ids.filtered(
            lambda ml: ml.state == 'done' and ml.product_id == self.stopper)
        self.assertEqual(consumed.lot_id, self.stopper_lot_quarantine)

    def test_expired_lot_and_equivalent_equipment(self):
        self.record(self.stopper_step, code='STP-001')
        outcome = self.override(self.needle_step, 'NDL-000', 'Shelf life extended by QC test R-12')
        self.assertTrue(outcome['accepted'], outcome['message'])
        self.assertEqual(self.needle_step.lot_id, self.needle_lot_expired)
        self.assertIn('expired', self.overrides().description)
        # equipment: another mould of the same family, signed past by the supervisor
        steps = self.molding_at_equipment_step()
        self.assertFalse(self.record(steps[3], code='MOULD-08')['accepted'])
        outcome = steps[3].with_user(self.supervisor).mes_override(
            'MOULD-08', 'MOULD-07 in maintenance; MOULD-08 is qualified for this part',
            login='mes_supervisor', password=PASSWORDS['supervisor'])
        self.assertTrue(outcome['accepted'], outcome['message'])
        self.assertEqual((steps[3].equipment_code, steps[3].overridden), ('MOULD-08', True))
        exception = self.env['mes.exception'].browse(outcome['exception_id'])
        self.assertEqual((exception.kind, exception.source), ('manual_override', 'equipment'))

    def test_from_the_step_form(self):
        wizard = Form(self.env['mes.step.record'].with_user(self.supervisor).with_context(
            default_step_execution_id=self.stopper_step.id))
        self.assertTrue(wizard.can_override)
        wizard.code = 'STP-002'
        wizard.override = True
        wizard.comment = 'Released by QA this morning, system update pending'
        wizard.login = 'mes_supervisor'
        wizard.password = PASSWORDS['supervisor']
        # the credentials travel in the button's context, as from the dialog
        action = wizard.save().with_context(
            mes_login='mes_supervisor', mes_password=PASSWORDS['supervisor']).action_record()
        self.assertEqual(action['params']['title'], 'Exception recorded')
        self.assertTrue(self.stopper_step.overridden)
        self.assertEqual(len(self.overrides()), 1)
        # an operator is not offered the override
        operator_form = Form(self.env['mes.step.record'].with_user(self.operator).with_context(
            default_step_execution_id=self.needle_step.id))
        self.assertFalse(operator_form.can_override)


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestSupervisorOverrideAdversarial(OverrideCase):

    def assertNothingRecorded(self, step):
        self.assertEqual((step.state, step.overridden, step.lot_id.id), ('pending', False, False))
        self.assertFalse(self.overrides())
        self.assertFalse(step.mes_signature_ids)

    def test_an_operator_cannot_override(self):
        with self.assertRaises(AccessError):
            self.override(self.stopper_step, 'STP-002', user=self.operator,
                          password=PASSWORDS['operator'])
        # QA is not on the shop floor: no operator right, no override
        with self.assertRaises(AccessError):
            self.override(self.stopper_step, 'STP-002', user=self.qa_manager,
                          password=PASSWORDS['qa_manager'])
        self.assertNothingRecorded(self.stopper_step)

    def test_what_is_never_overridden(self):
        for code, message in [('NDL-001', 'Needle'), ('NOPE-404', 'not known'),
                              ('STP-001', 'not refused')]:
            with self.assertRaisesRegex(UserError, message):
                self.override(self.stopper_step, code)
        self.stopper_lot_quarantine.with_user(self.inspector).mes_release_state = 'on_hold'
        with self.assertRaisesRegex(UserError, 'On Hold.*cannot override'):
            self.override(self.stopper_step, 'STP-002')
        self.stopper_lot_quarantine.with_user(self.qa_manager).mes_release_state = 'rejected'
        with self.assertRaisesRegex(UserError, 'Rejected.*cannot override'):
            self.override(self.stopper_step, 'STP-002')
        # an expired lot on hold is not used either
        self.record(self.stopper_step, code='STP-001')
        self.needle_lot_expired.with_user(self.inspector).mes_release_state = 'on_hold'
        with self.assertRaisesRegex(UserError, 'On Hold'):
            self.override(self.needle_step, 'NDL-000')
        self.assertNothingRecorded(self.needle_step)
        # a measurement or a check is recorded as measured, never overridden
        measurement = self.steps(self.assembly)[3]
        with self.assertRaisesRegex(UserError, 'Steps must be done in order'):
            self.override(measurement, '11')

    def test_measurements_checks_and_signatures_are_not_overridden(self):
        steps = self.steps(self.assembly)
        for step, kw in zip(steps[:3], [{'code': 'STP-001'}, {'code': 'NDL-001'},
                                        {'code': 'LBL-001'}]):
            self.record(step, **kw)
        with self.assertRaisesRegex(UserError, 'Only a refused material or equipment scan'):
            self.override(steps[3], '11.5')

    def test_reason_and_credentials_are_required(self):
        with self.assertRaisesRegex(UserError, 'State why'):
            self.override(self.stopper_step, 'STP-002', reason='   ')
        with self.assertRaisesRegex(UserError, 'Scan the lot'):
            self.override(self.stopper_step, '', reason='because')
        failures = self.supervisor.mes_sign_failures
        outcome = self.override(self.stopper_step, 'STP-002', password='wrong-password')
        self.assertFalse(outcome['accepted'])
        self.assertEqual(self.supervisor.mes_sign_failures, failures + 1)
        # someone else's login is not a signature either
        outcome = self.stopper_step.with_user(self.supervisor).mes_override(
            'STP-002', 'reason', login='mes_operator', password=PASSWORDS['operator'])
        self.assertFalse(outcome['accepted'])
        self.assertNothingRecorded(self.stopper_step)

    def test_out_of_turn_or_on_a_stopped_work_order(self):
        with self.assertRaisesRegex(UserError, 'Steps must be done in order'):
            self.override(self.needle_step, 'NDL-000')
        production = self.released_production()
        molding = self.workorders(production)[0]
        with self.assertRaisesRegex(UserError, 'Start work order'):
            self.override(self.steps(molding)[1], 'RES-001')

    def test_override_result_cannot_be_written_or_forged(self):
        with self.assertRaises(UserError):
            self.stopper_step.with_user(self.supervisor).write({'overridden': True})
        with self.assertRaises(UserError):
            self.stopper_step.sudo().write({'overridden': True, 'state': 'done'})
        # a manual override is not raised by hand: only the system records one
        with self.assertRaises(AccessError):
            self.env['mes.exception'].with_user(self.supervisor).create({
                'production_id': self.production.id, 'kind': 'manual_override',
                'source': 'material', 'description': 'forged',
                'step_execution_id': self.stopper_step.id})
        # once done, the override is not done again
        self.override(self.stopper_step, 'STP-002')
        with self.assertRaisesRegex(UserError, 'already recorded'):
            self.override(self.stopper_step, 'STP-002')

    def test_without_the_override_signature_no_override(self):
        self.env.ref('mes_bridge.policy_line_step_override').unlink()
        with self.assertRaisesRegex(UserError, 'No override signature'):
            self.override(self.stopper_step, 'STP-002')
        self.assertNothingRecorded(self.stopper_step)

    def test_the_override_group_is_the_policy_s(self):
        # an MES administrator narrows the override to QA: a supervisor can no longer give it
        line = self.env.ref('mes_bridge.policy_line_step_override')
        line.group_ids = [Command.set([self.env.ref('mes_bridge.group_mes_quality_manager').id])]
        with self.assertRaisesRegex(AccessError, 'override'):
            self.override(self.stopper_step, 'STP-002')
        self.assertNothingRecorded(self.stopper_step)
