from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import PASSWORDS, QA2_PASSWORD, QualityCase


@tagged('post_install', '-at_install')
class TestQualityNote(QualityCase):
    """The steps that need a written statement, as users take them from the forms: the wizard
    collects the note, the record's own method decides and checks who may."""

    def confirm(self, action, user, note):
        """Fill the wizard an action button opened, as ``user``, and confirm it."""
        self.assertEqual((action['res_model'], action['target']), ('mes.quality.note', 'new'))
        wizard = Form(self.env['mes.quality.note'].with_user(user).with_context(
            action['context']))
        wizard.note = note
        return wizard.save().action_confirm()

    def capa_in_implementation(self):
        capa = self.env['mes.capa'].with_user(self.inspector).create({
            'title': 'Barrel melt temperature', 'user_id': self.inspector.id,
            'problem_statement': 'No alarm before 240 °C', 'rca_method': 'five_whys',
            'cause_ids': [(0, 0, {'description': 'No alarm configured', 'is_root': True})]})
        for _stage in range(2):
            capa.with_user(self.inspector).action_next_stage()
        capa.with_user(self.inspector).write({'action_ids': [
            (0, 0, {'kind': 'corrective', 'description': 'Set the alarm at 238 °C',
                    'owner_id': self.supervisor.id, 'date_due': fields.Date.today()}),
            (0, 0, {'kind': 'preventive', 'description': 'Review every machine',
                    'owner_id': self.inspector.id, 'date_due': fields.Date.today()})]})
        capa.with_user(self.inspector).action_next_stage()
        self.assertEqual(capa.stage, 'implementation')
        return capa

    def test_action_owner_completes_an_action_others_cannot(self):
        capa = self.capa_in_implementation()
        alarm = capa.action_ids.filtered(lambda a: a.owner_id == self.supervisor)
        review = capa.action_ids - alarm
        self.assertIn(capa.name, alarm.display_name)
        # the owner (a production supervisor, who only reads CAPAs) completes their action
        action = alarm.with_user(self.supervisor).action_mark_done()
        self.confirm(action, self.supervisor, 'Alarm set on MLD-01..04, see WO-88')
        self.assertEqual((alarm.state, alarm.done_note),
                         ('done', 'Alarm set on MLD-01..04, see WO-88'))
        # the operator is neither owner nor quality
        with self.assertRaises(AccessError):
            self.confirm(review.with_user(self.operator).action_mark_done(), self.operator,
                         'Done')
        # nor is the supervisor the owner of the other action
        with self.assertRaises(AccessError):
            review.with_user(self.supervisor).mes_mark_done('Done')
        self.assertEqual(review.state, 'open')
        # quality completes any action
        self.confirm(review.with_user(self.inspector).action_mark_done(), self.inspector,
                     'All four machines reviewed')
        self.assertEqual(review.state, 'done')

    def test_effectiveness_from_the_form_then_closure(self):
        capa = self.capa_in_implementation()
        for action in capa.action_ids:
            action.with_user(self.inspector).mes_mark_done('Done')
        capa.with_user(self.inspector).write({
            'effectiveness_criterion': 'No excursion in 20 runs',
            'effectiveness_due': fields.Date.today()})
        capa.with_user(self.inspector).action_next_stage()
        # not effective: back to the action plan, with the evidence kept
        self.confirm(capa.with_user(self.inspector).action_verify_not_effective(),
                     self.inspector, 'Excursion again on run 7')
        self.assertEqual((capa.stage, capa.effectiveness_result, capa.evidence),
                         ('action_plan', 'not_effective', 'Excursion again on run 7'))
        capa.with_user(self.inspector).action_next_stage()
        capa.with_user(self.inspector).action_next_stage()
        self.assertEqual(capa.stage, 'effectiveness')
        # an operator cannot record the verification through the wizard either
        with self.assertRaises(UserError):
            self.confirm(capa.with_user(self.inspector).action_verify_effective(),
                         self.operator, 'Looks fine')
        self.confirm(capa.with_user(self.inspector).action_verify_effective(),
                     self.inspector, '20 runs without excursion')
        self.assertEqual(capa.effectiveness_result, 'effective')
        self.assertTrue(capa.with_user(self.qa_manager).mes_sign(
            'approved', self.qa_manager.login, PASSWORDS['qa_manager'])['signed'])
        self.assertEqual(capa.stage, 'closed')

    def test_change_implemented_reviewed_and_cancelled_from_the_form(self):
        request = self.env['mes.change.request'].with_user(self.planner).create({
            'title': 'New stopper supplier', 'change_type': 'supplier',
            'partner_id': self.supplier.id, 'reason': 'Second source'})
        self.assertTrue(request.with_user(self.qa_manager2).mes_sign(
            'reviewed', self.qa_manager2.login, QA2_PASSWORD, 'Audit passed')['signed'])
        self.assertTrue(request.with_user(self.qa_manager).mes_sign(
            'approved', self.qa_manager.login, PASSWORDS['qa_manager'], 'Go')['signed'])
        self.confirm(request.with_user(self.planner).action_implement_wizard(), self.planner,
                     'Supplier added to the approved list')
        self.assertEqual((request.state, request.implemented_by_id),
                         ('implemented', self.planner))
        with self.assertRaisesRegex(UserError, 'QA manager'):
            self.confirm(request.with_user(self.planner).action_review_wizard(), self.planner,
                         'Fine')
        self.confirm(request.with_user(self.qa_manager).action_review_wizard(),
                     self.qa_manager, 'First three lots accepted')
        self.assertEqual((request.state, request.review_note),
                         ('closed', 'First three lots accepted'))
        other = self.env['mes.change.request'].with_user(self.planner).create({
            'title': 'Drawing update', 'change_type': 'document', 'subject': 'DWG-12',
            'reason': 'Typo'})
        with self.assertRaisesRegex(UserError, 'State why'):
            other.with_user(self.planner).mes_cancel(' ')
        self.confirm(other.with_user(self.planner).action_cancel_wizard(), self.planner,
                     'Folded into CR for DWG-13')
        self.assertEqual((other.state, other.cancel_reason),
                         ('cancelled', 'Folded into CR for DWG-13'))

    def test_nonconformance_cancelled_with_a_reason_by_qa_only(self):
        nc = self.env['mes.nonconformance'].with_user(self.inspector).create(
            {'title': 'Raised twice', 'product_id': self.stopper.id})
        with self.assertRaisesRegex(UserError, 'QA manager'):
            self.confirm(nc.with_user(self.inspector).action_cancel_wizard(), self.inspector,
                         'Duplicate')
        self.confirm(nc.with_user(self.qa_manager).action_cancel_wizard(), self.qa_manager,
                     'Duplicate of another NC')
        self.assertEqual((nc.state, nc.cancel_reason), ('cancelled', 'Duplicate of another NC'))


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestQualityNoteAdversarial(QualityCase):

    def test_a_forged_wizard_reaches_nothing_else(self):
        nc = self.env['mes.nonconformance'].with_user(self.inspector).create(
            {'title': 'Stopper tears', 'product_id': self.stopper.id})
        Note = self.env['mes.quality.note']
        # an operation does not apply to another kind of record
        with self.assertRaisesRegex(UserError, 'does not apply'):
            Note._mes_open(nc, 'capa_cancel', 'x')
        # the operation names the model: a nonconformance id given as a CAPA reaches no CAPA
        wizard = Note.with_user(self.qa_manager).create(
            {'operation': 'capa_cancel', 'res_id': nc.id + 100000, 'note': 'x'})
        with self.assertRaisesRegex(UserError, 'no longer exists'):
            wizard.action_confirm()
        wizard = Note.with_user(self.qa_manager).create(
            {'operation': 'nc_cancel', 'res_id': nc.id, 'note': '   '})
        with self.assertRaisesRegex(UserError, 'note'):
            wizard.action_confirm()
        self.assertEqual(nc.state, 'open')
        # a user without quality rights cannot cancel through a hand-made wizard
        wizard = Note.with_user(self.planner).create(
            {'operation': 'nc_cancel', 'res_id': nc.id, 'note': 'Not needed'})
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        self.assertEqual(nc.state, 'open')
