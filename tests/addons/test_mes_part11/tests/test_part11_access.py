import base64

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import Part11Case


@tagged('post_install', '-at_install')
class TestAccessAudit(Part11Case):
    """Who may do what is part of the validated state: rights granted or removed, on the user
    or on the group, are in the audit trail, and the periodic access review reads them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env['res.users'].create({
            'name': 'Ada Admin', 'login': 'p11_admin', 'password': 'p11-admin-Secret-1',
            'group_ids': [(6, 0, [cls.env.ref('base.group_system').id,
                                  cls.env.ref('mes_part11.group_part11_manager').id])]})
        cls.reviewer_group = cls.env.ref('mes_part11.group_part11_reviewer')

    def test_rights_granted_and_removed_are_audited(self):
        """Requirements: A11-12, P11-100a"""
        user = self.bystander
        user.with_user(self.admin).write({'group_ids': [(4, self.reviewer_group.id)]})
        [entry] = self.entries(user, operation='write', field_name='group_ids')
        self.assertEqual(entry.user_id, self.admin)
        self.assertIn(self.reviewer_group.name, entry.new_display)
        self.assertNotIn(self.reviewer_group.name, entry.old_display or '')
        # from the group's side
        self.reviewer_group.with_user(self.admin).write({'user_ids': [(3, user.id)]})
        [group_entry] = self.entries(self.reviewer_group, operation='write',
                                     field_name='user_ids')
        self.assertIn(user.name, group_entry.old_display)
        self.assertNotIn(user.name, group_entry.new_display or '')
        # a renamed login (an account handed to someone else) is in the trail too
        user.with_user(self.admin).write({'login': 'p11_bystander_2'})
        [login] = self.entries(user, operation='write', field_name='login')
        self.assertEqual((login.old_value, login.new_value), ('p11_bystander', 'p11_bystander_2'))
        self.assertFalse(self.env['mes.audit.entry'].verify_chain())

    def test_access_review_says_since_when_and_by_whom(self):
        """Requirements: A11d-11"""
        self.bystander.with_user(self.admin).write({'group_ids': [(4, self.reviewer_group.id)]})
        self.reviewer_group.with_user(self.admin).write({'user_ids': [(4, self.author.id)]})
        nobody = new_test_user(self.env, 'p11_nobody', groups='base.group_user')
        with self.assertRaises(AccessError):
            self.env['mes.access.review'].with_user(nobody).create({})
        review = self.env['mes.access.review'].with_user(self.manager).create({})
        lines = {(line.user_id, line.group_id): line for line in review.line_ids}
        granted = lines[(self.bystander, self.reviewer_group)]
        self.assertEqual((granted.granted_by, granted.source), ('Ada Admin', 'user_changed'))
        self.assertIn('Audit Trail Reviewer', granted.role)
        by_group = lines[(self.author, self.reviewer_group)]
        self.assertEqual((by_group.granted_by, by_group.source), ('Ada Admin', 'group_changed'))
        created = lines[(self.manager, self.env.ref('mes_part11.group_part11_manager'))]
        self.assertEqual(created.source, 'user_created')
        self.assertTrue(created.since)
        action = review.action_export_csv()
        attachment = self.env['ir.attachment'].browse(
            int(action['url'].split('/')[3].split('?')[0]))
        text = base64.b64decode(attachment.datas).decode('utf-8-sig')
        self.assertIn('p11_bystander', text)
        self.assertIn('Ada Admin', text)

    def test_periodic_reminder(self):
        self.env['mes.access.review']._cron_remind()
        self.assertTrue(self.env['mail.activity'].search(
            [('summary', '=', 'Periodic access review due'),
             ('user_id', '=', self.manager.id)]))

    def test_sign_in_log_is_written_by_the_system_only(self):
        """Requirements: A11d-11"""
        Log = self.env['mes.access.log']
        entry = Log._mes_record('login', 'p11_author', self.author.id, None)
        self.assertEqual((entry.event, entry.user_id, entry.company_id),
                         ('login', self.author, self.author.company_id))
        for user in (self.admin, self.manager):
            with self.assertRaises(UserError):
                Log.with_user(user).with_context(mes_access_logging=True).create(
                    {'event': 'login', 'login': 'forged'})
        with self.assertRaises(UserError):
            entry.with_user(self.admin).write({'login': 'someone else'})
        with self.assertRaises(UserError):
            entry.with_user(self.admin).unlink()
        with self.assertRaises(AccessError):
            Log.with_user(self.author).search([])
        self.assertIn(entry, Log.with_user(self.manager).search([('login', '=', 'p11_author')]))


@tagged('post_install', '-at_install')
class TestPasswordReset(Part11Case):
    """A password someone else set is known to them: the user must replace it at their next
    sign-in and cannot sign electronically with it until then."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env['res.users'].create({
            'name': 'Ada Admin', 'login': 'p11_pw_admin', 'password': 'p11-pw-admin-Secret-1',
            'group_ids': [(6, 0, [cls.env.ref('base.group_system').id])]})

    def reset_by_admin(self, user, password):
        wizard = self.env['change.password.wizard'].with_user(self.admin).with_context(
            active_model='res.users', active_ids=user.ids).create({})
        wizard.user_ids.new_passwd = password
        wizard.change_password_button()

    def test_an_administrators_reset_forces_a_change_and_blocks_signing(self):
        """Requirements: A11d-11, P11-300b, P11-300c, CN-CS-2015"""
        user = self.author
        self.assertFalse(user.mes_password_change_required)
        self.reset_by_admin(user, 'Given-by-admin-1')
        self.assertTrue(user.mes_password_change_required)
        # in the audit trail, by the administrator who reset it
        [entry] = self.entries(user, operation='write', field_name='mes_password_change_required')
        self.assertEqual((entry.user_id, entry.new_value), (self.admin, 'true'))
        # the administrator knows the password: it signs nothing
        ok, message = self.env['res.users'].with_user(user)._mes_check_signing_credentials(
            user.login, 'Given-by-admin-1')
        self.assertFalse(ok)
        self.assertIn('set by an administrator', message)
        self.assertEqual(user.mes_sign_failures, 0, 'a refusal, not a wrong password')
        # the user's own change (Odoo's change_password, as the preferences dialog does)
        self.env['res.users'].with_user(user).change_password('Given-by-admin-1', 'Mine-only-2')
        self.assertFalse(user.mes_password_change_required)
        ok, _message = self.env['res.users'].with_user(user)._mes_check_signing_credentials(
            user.login, 'Mine-only-2')
        self.assertTrue(ok)
        # a plain write of the password by someone else is a reset too (JSON-2, scripts,
        # the superuser)
        user.with_user(self.admin).write({'password': 'Another-given-3'})
        self.assertTrue(user.mes_password_change_required)
        self.assertTrue(user.mes_password_change_required)

    def test_the_flag_cannot_be_set_or_cleared_by_hand(self):
        """Requirements: P11-300b"""
        user = self.author
        self.reset_by_admin(user, 'Given-by-admin-1')
        for actor in (self.admin, self.env.user):  # an administrator, the superuser
            with self.assertRaises(UserError):
                user.with_user(actor).write({'mes_password_change_required': False})
            with self.assertRaises(UserError):
                user.with_user(actor).with_context(
                    mes_password_policy='trusted').write({'mes_password_change_required': False})
        self.assertTrue(user.mes_password_change_required)
        # the user themselves cannot either (their own form is a caller too)
        with self.assertRaises(UserError):
            user.with_user(user).write({'mes_password_change_required': False})
        self.assertTrue(user.mes_password_change_required)

    def test_an_administrator_can_require_a_change_without_a_password(self):
        """Requirements: P11-300b"""
        with self.assertRaises(AccessError):
            self.bystander.with_user(self.author).action_mes_require_password_change()
        self.assertFalse(self.bystander.mes_password_change_required)
        self.bystander.with_user(self.admin).action_mes_require_password_change()
        self.assertTrue(self.bystander.mes_password_change_required)

    def test_a_reset_link_followed_by_the_user_is_their_own_change(self):
        """auth_signup's emailed link writes the password as the public user: the user chose
        it themselves."""
        public = self.env.ref('base.public_user')
        self.bystander.with_user(public).sudo().write({'password': 'Chosen-by-me-4'})
        self.assertFalse(self.bystander.mes_password_change_required)


@tagged('post_install', '-at_install')
class TestIdleSignOutSetting(Part11Case):

    def test_idle_time_is_a_company_setting_never_negative(self):
        """Requirements: A11d-11"""
        self.assertEqual(self.company.mes_idle_sign_out_minutes, 15)
        settings = self.env['res.config.settings'].create({'mes_idle_sign_out_minutes': 5})
        settings.execute()
        self.assertEqual(self.company.mes_idle_sign_out_minutes, 5)
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'), \
                self.cr.savepoint():
            self.company.write({'mes_idle_sign_out_minutes': -1})
            self.company.flush_recordset()


@tagged('post_install', '-at_install')
class TestSignerIdentity(Part11Case):

    def test_the_manifestation_names_the_role_the_signer_signed_in(self):
        """Requirements: A11d-13, P11-50a"""
        record = self.new_record()
        self.sign(record, self.author, 'performed')
        [signature] = record.mes_signature_ids
        self.assertEqual(signature.signer_role, 'Part 11 test: signer')
        self.assertIn('Performed by Ann Author (Part 11 test: signer) on ',
                      signature.manifestation)
        # and on every printout of the record
        html = str(self.env['ir.qweb']._render('mes_part11.signature_manifestation',
                                               {'doc': record}))
        self.assertIn('Part 11 test: signer', html)
        # the role as it was when signed: frozen, whatever happens to the user's rights later
        with self.assertRaises(UserError):
            signature.sudo().write({'signer_role': 'QA Manager'})
        self.author.write({'group_ids': [(3, self.env.ref(
            'test_mes_part11.group_test_part11_signer').id)]})
        signature.invalidate_recordset()
        self.assertEqual(signature.signer_role, 'Part 11 test: signer')
        [entry] = self.entries(signature, operation='create', field_name='signer_role')
        self.assertEqual(entry.new_value, 'Part 11 test: signer')

    def test_an_account_that_signed_keeps_its_login(self):
        """Requirements: P11-100a"""
        admin = new_test_user(self.env, 'p11_login_admin', groups='base.group_system',
                              password='p11-login-admin-Secret-1')
        record = self.new_record()
        self.sign(record, self.author, 'performed')
        # handing the account to someone else under another login: refused, by anyone
        for actor in (admin, self.env.user):
            with self.assertRaisesRegex(UserError, 'login cannot change'):
                self.author.with_user(actor).write({'login': 'p11_someone_else'})
        self.assertEqual(self.author.login, 'p11_author')
        # a new name (marriage) is allowed; the printed name on the signature stays
        self.author.with_user(admin).write({'name': 'Ann Author-Smith', 'login': 'P11_Author'})
        self.assertEqual(record.mes_signature_ids.signer_name, 'Ann Author')
        # an account that never signed may still be renamed
        self.bystander.with_user(admin).write({'login': 'p11_bystander_new'})
        self.assertEqual(self.bystander.login, 'p11_bystander_new')


@tagged('post_install', '-at_install')
class TestCompanySettingsAudit(Part11Case):

    def test_mes_settings_of_a_company_are_audited(self):
        """Requirements: A11-10"""
        admin = new_test_user(self.env, 'p11_settings_admin',
                              groups='base.group_system,mes_part11.group_part11_manager',
                              password='p11-settings-admin-Secret-1')
        settings = self.env['res.config.settings'].with_user(admin).create(
            {'mes_idle_sign_out_minutes': 10, 'mes_sign_max_failures': 5})
        settings.execute()
        entries = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'res.company'), ('res_id', '=', self.company.id),
            ('operation', '=', 'write')])
        self.assertEqual(sorted((e.field_name, e.old_value, e.new_value) for e in entries),
                         [('mes_idle_sign_out_minutes', '15', '10'),
                          ('mes_sign_max_failures', '3', '5')])
        self.assertEqual(entries.user_id, admin)
        self.assertEqual(entries.company_id, self.company)
        # other company settings are Odoo's, not in the MES trail
        self.company.with_user(admin).write({'email': 'plant@example.com'})
        self.assertEqual(len(self.env['mes.audit.entry'].search([
            ('res_model', '=', 'res.company'), ('res_id', '=', self.company.id)])),
            len(entries))
