import psycopg2

from odoo.addons.mes_part11.models.mes_audited import MAX_AUDITED_TEXT
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import SIGNER, Part11Case


@tagged('post_install', '-at_install')
class TestPart11Adversarial(Part11Case):
    """The same rules when a hostile user goes around the buttons: plain ORM calls, other
    companies, forged context, raw SQL."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env['res.company'].create({'name': 'Other Company B'})
        cls.user_b = new_test_user(cls.env, 'p11_user_b', groups=SIGNER + ',mes_part11.group_part11_manager',
                                   company_id=cls.company_b.id,
                                   company_ids=[(6, 0, cls.company_b.ids)],
                                   password='p11-user_b-Secret-1')
        cls.passwords[cls.user_b] = 'p11-user_b-Secret-1'

    def test_signatures_cannot_be_forged_changed_or_deleted(self):
        record = self.new_record()
        self.sign(record, self.author, 'performed')
        signature = record.mes_signature_ids
        meaning = self.env.ref('mes_part11.meaning_approved')
        with self.assertRaises(AccessError):
            self.env['mes.signature'].with_user(self.approver).create({
                'res_model': record._name, 'res_id': record.id, 'meaning_id': meaning.id,
                'signer_id': self.approver.id, 'signer_name': 'Bob Approver',
                'signed_at': '2026-01-01 00:00:00', 'content_hash': record._mes_content_hash()})
        with self.assertRaises(UserError):
            signature.with_user(self.author).write({'reason': 'rewritten'})
        # not even as superuser: the facts of a signature never change
        with self.assertRaisesRegex(UserError, 'cannot be changed'):
            signature.sudo().write({'signer_name': 'Someone Else'})
        with self.assertRaisesRegex(UserError, 'Unlock for correction'):
            signature.with_user(self.manager).write({'state': 'invalidated'})
        with self.assertRaises(UserError):
            signature.with_user(self.manager).unlink()
        with self.assertRaises(UserError):
            signature.sudo().unlink()
        self.assertEqual(signature.signer_id, self.author)
        self.assertEqual(record.mes_signature_status, 'partial')

    def test_the_audit_trail_refuses_every_change(self):
        record = self.new_record()
        entry = self.entries(record)[:1]
        with self.assertRaises(UserError):
            self.env['mes.audit.entry'].sudo().create({'res_model': record._name})
        with self.assertRaises(UserError):
            entry.sudo().write({'new_display': 'forged'})
        with self.assertRaises(UserError):
            entry.sudo().unlink()
        # below the ORM the database refuses it, for the table owner too
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.Error), \
                self.env.cr.savepoint():
            self.env.cr.execute("UPDATE mes_audit_entry SET new_display = 'forged' "
                                "WHERE id = %s", [entry.id])
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.Error), \
                self.env.cr.savepoint():
            self.env.cr.execute('DELETE FROM mes_audit_entry WHERE id = %s', [entry.id])
        self.assertFalse(self.env['mes.audit.entry'].verify_chain())

    def test_tampering_past_the_triggers_is_detected(self):
        record = self.new_record()
        entry = self.entries(record, field_name='quantity')
        self.env['mes.audit.entry'].flush_model()
        self.env.cr.execute('ALTER TABLE mes_audit_entry DISABLE TRIGGER USER')
        self.env.cr.execute("UPDATE mes_audit_entry SET new_display = '1000' WHERE id = %s",
                            [entry.id])
        self.env.cr.execute('ALTER TABLE mes_audit_entry ENABLE TRIGGER USER')
        self.assertEqual(self.env['mes.audit.entry'].verify_chain(), entry.id)

    def test_signing_out_of_order_without_right_or_twice_is_refused(self):
        record = self.new_record()
        with self.assertRaisesRegex(UserError, 'in order'):
            self.sign(record, self.approver, 'approved')
        with self.assertRaises(AccessError):
            self.sign(record, self.bystander, 'performed')
        with self.assertRaisesRegex(UserError, 'not a signature this record takes'):
            self.sign(record, self.author, 'released')
        self.sign(record, self.author, 'performed')
        self.sign(record, self.approver, 'approved')
        with self.assertRaisesRegex(UserError, 'fully signed'):
            self.sign(record, self.manager, 'approved')
        self.assertEqual(len(record.mes_signature_ids), 2)

    def test_another_company_cannot_sign_unlock_or_read_the_trail(self):
        record = self.new_record()
        self.sign(record, self.author, 'performed')
        self.sign(record, self.approver, 'approved')
        with self.assertRaises(AccessError):
            self.sign(record, self.user_b, 'approved')
        with self.assertRaises(AccessError):
            record.with_user(self.user_b).mes_unlock_for_correction(
                'hostile', self.user_b.login, self.passwords[self.user_b])
        self.assertEqual(record.mes_signature_status, 'signed')
        theirs = self.env['mes.audit.entry'].with_user(self.user_b).search(
            [('res_model', '=', record._name), ('res_id', '=', record.id)])
        self.assertFalse(theirs)
        self.assertFalse(self.env['mes.signature'].with_user(self.user_b).search(
            [('res_model', '=', record._name), ('res_id', '=', record.id)]))

    def test_a_reason_from_the_caller_context_is_not_taken(self):
        record = self.new_record()
        record.with_user(self.author).with_context(
            mes_audit_reason='Approved by QA director', mes_origin='kiosk').write(
            {'quantity': 3.0})
        entry = self.entries(record, operation='write', field_name='quantity')
        self.assertFalse(entry.reason)
        self.assertEqual(entry.origin, 'system')

    def test_runaway_text_is_refused_before_it_reaches_the_trail(self):
        record = self.new_record()
        count = len(self.entries(record))
        with self.assertRaisesRegex(UserError, 'too long'):
            record.with_user(self.author).write({'note': 'x' * (MAX_AUDITED_TEXT + 1)})
        self.assertEqual(len(self.entries(record)), count)
        self.assertFalse(record.note)

    def test_only_reviewers_verify_the_whole_chain(self):
        with self.assertRaises(AccessError):
            self.env['mes.audit.entry'].with_user(self.author).verify_chain()
        reviewer = new_test_user(self.env, 'p11_reviewer',
                                 groups='base.group_user,mes_part11.group_part11_reviewer')
        self.assertFalse(self.env['mes.audit.entry'].with_user(reviewer).verify_chain())

    def test_lock_fields_are_not_writable_and_locked_users_cannot_probe_passwords(self):
        with self.assertRaises(AccessError):
            self.author.with_user(self.author).write({'mes_sign_locked': False,
                                                      'mes_sign_failures': 0})
        self.author.sudo().write({'mes_sign_locked': True})
        # a locked user's password is not checked by change_password either (no oracle)
        with self.assertRaisesRegex(Exception, 'locked'):
            self.env['res.users'].with_user(self.author).change_password(
                self.passwords[self.author], 'new-Secret-2026')

    def test_configuration_is_for_part11_managers(self):
        with self.assertRaises(AccessError):
            self.env['mes.signature.meaning'].with_user(self.author).create(
                {'code': 'x', 'name': 'X'})
        line = self.env.ref('test_mes_part11.policy_line_test_approved')
        with self.assertRaises(AccessError):
            line.with_user(self.author).write({'segregated': False})
        self.assertTrue(line.segregated)
