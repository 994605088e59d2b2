from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PASSWORDS, QualityCase


@tagged('post_install', '-at_install')
class TestCapa(QualityCase):
    """ISO 13485 8.5.2: stages with their conditions, effectiveness that can send a CAPA back,
    closure signed by QA; recurring nonconformances propose one."""

    def new_capa(self, **values):
        return self.env['mes.capa'].with_user(self.inspector).create(dict(
            {'title': 'Stopper diameter out of tolerance', 'user_id': self.inspector.id},
            **values))

    def advance(self, capa):
        return capa.with_user(self.inspector).action_next_stage()

    def test_stages_need_their_content_and_not_effective_reopens(self):
        capa = self.new_capa()
        self.advance(capa)  # investigation
        with self.assertRaisesRegex(UserError, 'state the problem'):
            self.advance(capa)
        capa.with_user(self.inspector).write({
            'problem_statement': 'Lots from the new supplier tool are 0.1 mm too large',
            'rca_method': 'ishikawa',
            'cause_ids': [(0, 0, {'category': 'machine', 'description': 'Worn cavity 4',
                                  'is_root': True}),
                          (0, 0, {'category': 'measurement',
                                  'description': 'Incoming gauge not calibrated'})]})
        self.advance(capa)
        self.assertEqual(capa.stage, 'action_plan')
        with self.assertRaisesRegex(UserError, 'corrective action'):
            self.advance(capa)
        capa.with_user(self.inspector).write({'action_ids': [
            (0, 0, {'kind': 'correction', 'description': 'Sort the lots on hand',
                    'owner_id': self.inspector.id, 'date_due': fields.Date.today()}),
            (0, 0, {'kind': 'corrective', 'description': 'Replace cavity 4 at the supplier',
                    'owner_id': self.qa_manager.id, 'date_due': fields.Date.today()})]})
        # each action's owner gets an activity
        self.assertEqual(len(capa.activity_ids), 2)
        self.advance(capa)
        self.assertEqual(capa.stage, 'implementation')
        with self.assertRaisesRegex(UserError, 'complete every action'):
            self.advance(capa)
        for action in capa.action_ids:
            with self.assertRaisesRegex(UserError, 'Say what was done'):
                action.with_user(self.inspector).mes_mark_done(' ')
            action.with_user(self.inspector).mes_mark_done('Done, see ECO-7')
        with self.assertRaisesRegex(UserError, 'effectiveness criterion'):
            self.advance(capa)
        capa.with_user(self.inspector).write({
            'effectiveness_criterion': 'No stopper NC for 3 months',
            'effectiveness_due': fields.Date.today()})
        self.advance(capa)
        self.assertEqual(capa.stage, 'effectiveness')
        # closure only after an effective verification
        with self.assertRaisesRegex(UserError, 'effective verification'):
            capa.with_user(self.qa_manager).action_close()
        capa.with_user(self.inspector).mes_verify_effectiveness(
            False, 'Two new NCs in the second month')
        self.assertEqual((capa.stage, capa.effectiveness_result),
                         ('action_plan', 'not_effective'))
        entry = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.capa'), ('res_id', '=', capa.id),
            ('field_name', '=', 'stage'), ('new_value', '=', 'action_plan')], limit=1)
        self.assertEqual(entry.reason, 'Two new NCs in the second month')
        capa.with_user(self.inspector).write({'action_ids': [(0, 0, {
            'kind': 'preventive', 'description': 'Cavity wear check every 50k shots',
            'owner_id': self.inspector.id, 'date_due': fields.Date.today()})]})
        self.advance(capa)
        capa.action_ids.filtered(lambda a: a.state == 'open').with_user(
            self.inspector).mes_mark_done('Added to the supplier control plan')
        self.advance(capa)
        capa.with_user(self.inspector).mes_verify_effectiveness(True, 'No NC for 3 months')
        with self.assertRaises(AccessError):
            capa.with_user(self.inspector).mes_sign('approved', self.inspector.login,
                                                    PASSWORDS['inspector'])
        outcome = capa.with_user(self.qa_manager).mes_sign(
            'approved', self.qa_manager.login, PASSWORDS['qa_manager'])
        self.assertTrue(outcome['signed'], outcome['message'])
        self.assertEqual((capa.stage, capa.closed_by_id), ('closed', self.qa_manager))
        with self.assertRaisesRegex(UserError, 'closed or cancelled'):
            capa.with_user(self.inspector).write({'title': 'Rewritten'})

    def test_recurring_nonconformances_propose_a_capa(self):
        self.company.write({'mes_capa_recurrence_count': 3, 'mes_capa_recurrence_days': 30})
        NC = self.env['mes.nonconformance'].with_user(self.inspector)
        for index in range(2):
            NC.create({'title': 'Flash %s' % index, 'product_id': self.stopper.id,
                       'defect': 'Flash on sealing rib'})
        self.assertFalse(self.env['mes.capa'].search([('source', '=', 'recurrence')]))
        third = NC.create({'title': 'Flash 2', 'product_id': self.stopper.id,
                           'defect': 'flash on sealing rib '})
        capa = self.env['mes.capa'].search([('source', '=', 'recurrence')])
        self.assertEqual(len(capa), 1)
        self.assertEqual(len(capa.nonconformance_ids), 3)
        self.assertIn(third, capa.nonconformance_ids)
        # a fourth joins the open CAPA instead of opening another
        fourth = NC.create({'title': 'Flash 3', 'product_id': self.stopper.id,
                            'defect': 'Flash on sealing rib'})
        self.assertEqual(self.env['mes.capa'].search_count([('source', '=', 'recurrence')]), 1)
        self.assertIn(fourth, capa.nonconformance_ids)

    def test_overdue_and_reminders(self):
        capa = self.new_capa()
        capa.sudo().write({'stage': 'effectiveness',
                           'effectiveness_due': fields.Date.add(fields.Date.today(), days=-1)})
        self.assertTrue(capa.overdue)
        self.assertIn(capa, self.env['mes.capa'].search([('overdue', '=', True)]))
        self.env['mes.capa']._cron_effectiveness_reminders()
        self.assertTrue(capa.activity_ids.filtered(lambda a: a.user_id == self.inspector))


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestCapaAdversarial(QualityCase):

    def test_stages_results_and_deletion_cannot_be_forged(self):
        capa = self.env['mes.capa'].with_user(self.inspector).with_context(
            default_stage='closed', default_effectiveness_result='effective').create(
            {'title': 'Forged'})
        self.assertEqual((capa.stage, capa.effectiveness_result), ('initiation', False))
        for vals in ({'stage': 'closed'}, {'effectiveness_result': 'effective'},
                     {'closed_by_id': self.qa_manager.id}):
            with self.assertRaisesRegex(UserError, 'moves through its stages'):
                capa.with_user(self.qa_manager).write(vals)
        with self.assertRaises(AccessError):
            self.env['mes.capa'].with_user(self.operator).create({'title': 'Operator CAPA'})
        with self.assertRaisesRegex(UserError, 'cannot be deleted'):
            capa.sudo().unlink()
        action = self.env['mes.capa.action'].with_user(self.inspector).create({
            'capa_id': capa.id, 'description': 'x', 'owner_id': self.inspector.id})
        with self.assertRaisesRegex(UserError, 'Mark Done'):
            action.with_user(self.inspector).write({'state': 'done'})
        with self.assertRaisesRegex(UserError, 'during implementation'):
            action.with_user(self.inspector).mes_mark_done('skipped the plan')
        with self.assertRaises(UserError):
            self.env['mes.capa'].browse(capa.id).with_user(self.operator).mes_verify_effectiveness(
                True, 'x')
        with self.assertRaisesRegex(UserError, 'QA manager'):
            capa.with_user(self.inspector).mes_cancel('no')
        capa.with_user(self.qa_manager).mes_cancel('Raised twice')
        self.assertEqual(capa.stage, 'cancelled')


@tagged('post_install', '-at_install')
class TestCapaFromNonconformance(QualityCase):

    def test_nonconformance_opens_its_capa_once(self):
        nc = self.env['mes.nonconformance'].with_user(self.inspector).create(
            {'title': 'Torn stoppers', 'product_id': self.stopper.id,
             'description': 'Tears at the sealing rib'})
        action = nc.with_user(self.inspector).action_open_capa()
        capa = self.env['mes.capa'].browse(action['res_id'])
        self.assertEqual((capa.source, capa.nonconformance_ids, capa.problem_statement),
                         ('nonconformance', nc, 'Tears at the sealing rib'))
        self.assertEqual(nc.with_user(self.inspector).action_open_capa()['res_id'], capa.id)
