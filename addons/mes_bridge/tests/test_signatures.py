from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import PASSWORDS, MesCase


@tagged('post_install', '-at_install')
class TestElectronicSignatures(MesCase):
    """21 CFR 11.50, 11.70, 11.100, 11.200, 11.300 on master records, steps, exceptions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_mes = new_test_user(cls.env, 'mes_admin', groups='mes_bridge.group_mes_admin',
                                      password='mes-admin-Secret-2026', name='Ada Admin')

    def new_version(self):
        return self.env['mrp.bom'].browse(
            self.bom.with_user(self.planner).action_mes_new_version()['res_id'])

    def sign(self, record, user, meaning='approved', password=None, reason='ok'):
        return record.with_user(user).mes_sign(
            meaning, user.login, password or PASSWORDS.get(user.login.replace('mes_', ''), ''),
            reason)

    def entries(self, **domain):
        return self.env['mes.audit.entry'].search(
            [(key, '=', value) for key, value in domain.items()])

    # -- 11.200(a)(1): both components, every time; failures counted ------------------------
    def test_wrong_password_is_refused_counted_and_audited(self):
        v2 = self.new_version()
        outcome = self.sign(v2, self.qa_manager, password='not-the-password')
        self.assertFalse(outcome['signed'])
        self.assertIn('Wrong login or password', outcome['message'])
        self.assertEqual(v2.mes_approval_state, 'draft')
        self.assertFalse(v2.mes_signature_ids)
        self.assertEqual(self.qa_manager.mes_sign_failures, 1)
        failure = self.entries(res_model='res.users', res_id=self.qa_manager.id,
                               operation='sign_failed')
        self.assertEqual(len(failure), 1)
        self.assertEqual(failure.user_id, self.qa_manager)
        # someone else's login, even with their right password, does not sign
        outcome = v2.with_user(self.qa_manager).mes_sign(
            'approved', self.supervisor.login, PASSWORDS['supervisor'], 'x')
        self.assertFalse(outcome['signed'])
        self.assertEqual(self.qa_manager.mes_sign_failures, 2)
        # the login alone (no password) is not a signature either
        outcome = v2.with_user(self.qa_manager).mes_sign('approved', self.qa_manager.login, '')
        self.assertFalse(outcome['signed'])
        self.assertTrue(self.sign(v2, self.qa_manager)['signed'])
        self.assertEqual(self.qa_manager.mes_sign_failures, 0)
        self.assertEqual(v2.mes_approval_state, 'approved')

    def test_lockout_after_three_failures_and_admin_unlock(self):
        v2 = self.new_version()
        for _attempt in range(3):
            self.assertFalse(self.sign(v2, self.qa_manager, password='guess')['signed'])
        self.assertTrue(self.qa_manager.mes_sign_locked)
        # locked: even the right password no longer signs
        outcome = self.sign(v2, self.qa_manager)
        self.assertFalse(outcome['signed'])
        self.assertIn('locked', outcome['message'])
        self.assertEqual(v2.mes_approval_state, 'draft')
        self.assertTrue(self.entries(res_model='res.users', res_id=self.qa_manager.id,
                                     operation='sign_locked'))
        # the MES administrators are told
        activity = self.qa_manager.partner_id.activity_ids.filtered(
            lambda a: a.user_id == self.admin_mes)
        self.assertEqual(len(activity), 1)
        self.assertIn(self.qa_manager.name, activity.summary)
        self.assertEqual(activity.activity_type_id,
                         self.env.ref('mes_part11.mail_activity_signing_locked'))
        # unlocking closes it whatever language its text was written in
        activity.summary = '电子签名已锁定'
        # only a MES administrator unlocks
        with self.assertRaises(AccessError):
            self.qa_manager.with_user(self.supervisor).action_mes_unlock_signing()
        self.qa_manager.with_user(self.admin_mes).action_mes_unlock_signing()
        self.assertFalse(self.qa_manager.mes_sign_locked)
        self.assertEqual(self.qa_manager.mes_sign_failures, 0)
        self.assertTrue(self.entries(res_model='res.users', res_id=self.qa_manager.id,
                                     operation='sign_unlocked'))
        self.assertFalse(self.qa_manager.partner_id.activity_ids.filtered(
            lambda a: a.user_id == self.admin_mes))
        self.assertTrue(self.sign(v2, self.qa_manager)['signed'])

    def test_lockout_threshold_is_a_company_setting(self):
        self.company.mes_sign_max_failures = 1
        v2 = self.new_version()
        outcome = self.sign(v2, self.qa_manager, password='guess')
        self.assertIn('now locked', outcome['message'])
        self.assertTrue(self.qa_manager.mes_sign_locked)

    # -- policy: who, in which order, how many; segregation of duties -----------------------
    def test_segregation_of_duties(self):
        # the author of a master record cannot approve it, even as a QA manager
        author = new_test_user(self.env, 'mes_author',
                               groups='mrp.group_mrp_manager,mes_bridge.group_mes_quality_manager',
                               password='author-Secret-2026', name='Alex Author')
        v2 = self.env['mrp.bom'].browse(
            self.bom.with_user(author).action_mes_new_version()['res_id'])
        with self.assertRaisesRegex(AccessError, 'Segregation of duties'):
            v2.with_user(author).mes_sign('approved', author.login, 'author-Secret-2026', 'x')
        self.assertEqual(author.mes_sign_failures, 0, 'refused before any password check')
        # whoever raised an exception cannot disposition it
        exception = self.env['mes.exception'].with_user(self.supervisor).create({
            'description': 'Torn blister found at line clearance',
            'production_id': self.create_production().id, 'severity': 'critical'})
        with self.assertRaisesRegex(AccessError, 'Segregation of duties'):
            exception.with_user(self.supervisor).action_disposition(
                'scrap', 'Scrapped', self.supervisor.login, PASSWORDS['supervisor'])
        other = new_test_user(self.env, 'mes_supervisor2', groups='mes_bridge.group_mes_supervisor',
                              password='supervisor2-Secret-2026', name='Sue Second')
        self.assertTrue(exception.with_user(other).action_disposition(
            'scrap', 'Scrapped', other.login, 'supervisor2-Secret-2026')['signed'])

    def test_verification_step_needs_a_second_person(self):
        op = self.bom.operation_ids[0]
        v2 = self.new_version()
        op2 = v2.operation_ids.filtered(lambda o: o.name == op.name)
        self.env['mes.operation.step'].create({
            'operation_id': op2.id, 'sequence': 99, 'name': 'Line clearance verified',
            'step_type': 'signature', 'signature_meaning': 'verified'})
        self.approve(v2)
        production = self.create_production(bom=v2)
        production.with_user(self.supervisor).action_mes_release()
        molding = self.workorders(production)[0]
        self.run_molding(molding)
        verify = self.steps(molding)[-1]
        self.assertEqual(verify.signature_meaning, 'verified')
        with self.assertRaisesRegex(AccessError, 'Segregation of duties'):
            self.record(verify, login=self.operator.login, password=PASSWORDS['operator'])
        outcome = verify.with_user(self.supervisor).mes_record(
            login=self.supervisor.login, password=PASSWORDS['supervisor'])
        self.assertTrue(outcome['accepted'])
        self.assertEqual(verify.mes_signature_ids.signer_id, self.supervisor)
        self.assertEqual(verify.mes_signature_ids.meaning_id.code, 'verified')
        self.assertEqual(verify.mes_signature_status, 'signed')

    def test_policy_order_count_and_groups(self):
        policy = self.env.ref('mes_bridge.policy_mrp_bom')
        policy.line_ids.signatures_required = 2
        policy.write({'line_ids': [Command.create({
            'sequence': 1, 'meaning_id': self.env.ref('mes_part11.meaning_reviewed').id,
            'group_ids': [Command.link(self.env.ref('mes_bridge.group_mes_supervisor').id)],
            'requires_reason': True})]})
        qa2 = new_test_user(self.env, 'mes_qa2', groups='mes_bridge.group_mes_quality_manager',
                            password='qa2-Secret-2026', name='Quinn Second')
        v2 = self.new_version()
        self.assertEqual(v2.mes_next_signature, 'Reviewed by')
        with self.assertRaisesRegex(UserError, 'in order'):
            self.sign(v2, self.qa_manager)
        with self.assertRaises(AccessError):
            self.sign(v2, self.operator, meaning='reviewed', reason='looks fine')
        with self.assertRaisesRegex(UserError, 'reason'):
            self.sign(v2, self.supervisor, meaning='reviewed', reason='')
        self.assertTrue(self.sign(v2, self.supervisor, meaning='reviewed',
                                  reason='Design review DR-12')['signed'])
        self.assertEqual(v2.mes_signature_status, 'partial')
        outcome = self.sign(v2, self.qa_manager)
        self.assertTrue(outcome['signed'])
        self.assertFalse(outcome['complete'])
        self.assertEqual(v2.mes_approval_state, 'draft', 'two approvals are required')
        with self.assertRaisesRegex(UserError, 'another person'):
            self.sign(v2, self.qa_manager)
        outcome = v2.with_user(qa2).mes_sign('approved', 'mes_qa2', 'qa2-Secret-2026', 'ok')
        self.assertTrue(outcome['complete'])
        self.assertEqual(v2.mes_approval_state, 'approved')
        self.assertEqual(v2.mes_signature_status, 'signed')
        self.assertEqual([s.meaning_id.code for s in v2.mes_signature_ids],
                         ['reviewed', 'approved', 'approved'])

    # -- 11.70: signature bound to the record; locked; unlock invalidates -------------------
    def test_signature_records_who_when_what_and_the_content_hash(self):
        [signature] = self.bom.mes_signature_ids
        self.assertEqual(signature.signer_id, self.qa_manager)
        self.assertEqual(signature.signer_name, 'Quentin QA')
        self.assertEqual(signature.meaning_id.code, 'approved')
        self.assertEqual(signature.reason, 'Design verified')
        self.assertTrue(signature.signed_at)
        self.assertEqual(len(signature.content_hash), 64)
        self.assertEqual(signature.content_hash, self.bom._mes_content_hash())
        self.assertEqual(signature.status, 'valid')
        self.assertIn('Approved by Quentin QA (%s) on' % signature.signer_role,
                      signature.manifestation)
        self.assertTrue(signature.signer_role)
        self.assertIn('UTC', signature.manifestation)
        # the manifestation shows on the record and on its printout
        self.assertIn('Approved by Quentin QA', self.bom.mes_signature_manifest)
        html = self.env['ir.actions.report']._render_qweb_html(
            'mes_bridge.report_mes_master_record', self.bom.ids)[0].decode()
        self.assertIn('Quentin QA', html)
        self.assertIn('Approved by', html)
        self.assertIn(signature.signed_at_local, html)
        with self.assertRaises(UserError):
            signature.unlink()
        with self.assertRaises(UserError):
            signature.sudo().write({'signer_name': 'Someone Else'})

    def test_signed_record_is_locked_even_for_superuser(self):
        with self.assertRaises(UserError):
            self.bom.sudo().write({'product_qty': 12})
        self.assertEqual(self.bom.product_qty, 10)
        exception = self.env['mes.exception'].create({
            'description': 'Label misprint', 'production_id': self.create_production().id})
        exception.with_user(self.supervisor).action_disposition(
            'rework', 'Relabelled', self.supervisor.login, PASSWORDS['supervisor'])
        with self.assertRaisesRegex(UserError, 'signed and locked'):
            exception.sudo().write({'disposition_note': 'Nothing happened'})

    def test_content_changed_behind_the_application_shows_invalid(self):
        line = self.bom.bom_line_ids[0]
        self.env.cr.execute('UPDATE mrp_bom_line SET product_qty = 0.75 WHERE id = %s', [line.id])
        self.env.invalidate_all()
        [signature] = self.bom.mes_signature_ids
        self.assertEqual(signature.status, 'invalid')
        self.assertFalse(signature.hash_valid)
        self.assertEqual(self.bom.mes_signature_status, 'invalid')
        html = self.env['ir.actions.report']._render_qweb_html(
            'mes_bridge.report_mes_master_record', self.bom.ids)[0].decode()
        self.assertIn('INVALID', html)

    def test_unlock_for_correction_invalidates_never_deletes(self):
        [signature] = self.bom.mes_signature_ids
        with self.assertRaises(AccessError):
            self.bom.with_user(self.planner).mes_unlock_for_correction(
                'typo', self.planner.login, PASSWORDS['planner'])
        with self.assertRaisesRegex(UserError, 'why'):
            self.bom.with_user(self.qa_manager).mes_unlock_for_correction(
                ' ', self.qa_manager.login, PASSWORDS['qa_manager'])
        refused = self.bom.with_user(self.qa_manager).mes_unlock_for_correction(
            'Resin quantity typo, CR-0042', self.qa_manager.login, 'wrong')
        self.assertFalse(refused['unlocked'])
        self.assertEqual(signature.state, 'valid')
        outcome = self.bom.with_user(self.qa_manager).mes_unlock_for_correction(
            'Resin quantity typo, CR-0042', self.qa_manager.login, PASSWORDS['qa_manager'])
        self.assertTrue(outcome['unlocked'])
        self.assertTrue(signature.exists())
        self.assertEqual((signature.state, signature.status, signature.invalidated_by_id,
                          signature.invalidation_reason),
                         ('invalidated', 'invalidated', self.qa_manager,
                          'Resin quantity typo, CR-0042'))
        self.assertEqual(self.bom.mes_approval_state, 'draft')
        self.assertEqual(self.bom.mes_signature_status, 'unsigned')
        unlock = self.entries(res_model='mrp.bom', res_id=self.bom.id, operation='unlock')
        self.assertEqual((unlock.user_id, unlock.reason),
                         (self.qa_manager, 'Resin quantity typo, CR-0042'))
        # now correctable, then approved again with a new signature
        self.bom.bom_line_ids[0].product_qty = 0.55
        self.approve(self.bom, reason='Corrected per CR-0042')
        self.assertEqual(self.bom.mes_signature_ids.mapped('state'), ['invalidated', 'valid'])
        self.assertEqual(self.bom.mes_signature_status, 'signed')

    def test_sign_wizard_from_a_list_keeps_failures(self):
        v2 = self.new_version()
        action = v2.with_user(self.qa_manager).action_mes_approve()
        self.assertEqual(action['res_model'], 'mes.sign.wizard')
        wizard = self.env['mes.sign.wizard'].with_user(self.qa_manager).with_context(
            action['context']).create({})
        self.assertEqual(wizard.meaning_id.code, 'approved')
        again = wizard.with_context(mes_login=self.qa_manager.login,
                                    mes_password='oops').action_confirm()
        self.assertEqual((again['res_model'], again['res_id']), ('mes.sign.wizard', wizard.id))
        self.assertIn('Wrong login or password', wizard.error)
        self.assertFalse(wizard.password)
        wizard.write({'reason': 'ok'})
        self.assertEqual(wizard.with_context(
            mes_login=self.qa_manager.login, mes_password=PASSWORDS['qa_manager'],
        ).action_confirm()['type'], 'ir.actions.act_window_close')
        self.assertEqual(v2.mes_approval_state, 'approved')

    def test_sign_several_records_from_the_list(self):
        v2 = self.new_version()
        other = self.bom.copy({'code': 'SYR5-B'})
        boms = v2 | other
        action = boms.with_user(self.qa_manager).action_mes_approve()
        wizard = self.env['mes.sign.wizard'].with_user(self.qa_manager).with_context(
            action['context']).create({'reason': 'batch'})
        self.assertEqual(wizard.meaning_id.code, 'approved')
        self.assertEqual(len(wizard.record_names.splitlines()), 2)
        self.assertEqual(wizard.with_context(
            mes_login=self.qa_manager.login, mes_password=PASSWORDS['qa_manager'],
        ).action_confirm()['type'], 'ir.actions.act_window_close')
        self.assertEqual(set(boms.mapped('mes_approval_state')), {'approved'})
        self.assertEqual(len(boms.mes_signature_ids), 2)
