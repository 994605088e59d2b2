from lxml import etree

from odoo.addons.mes_part11.lib import integrity
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import Part11Case


@tagged('post_install', '-at_install')
class TestPart11Mixins(Part11Case):
    """The mixins on a record type that knows nothing about manufacturing: every Part 11
    behaviour comes from the class attributes alone."""

    # -- audit trail (21 CFR 11.10(e)) ----------------------------------------------------
    def test_create_and_change_are_in_the_audit_trail(self):
        record = self.new_record(note='first')
        created = self.entries(record, operation='create')
        self.assertEqual(set(created.mapped('field_name')),
                         {'name', 'quantity', 'state', 'note', 'company_id', 'line_ids'})
        self.assertEqual(created.user_id, self.author)
        self.assertEqual(set(created.mapped('origin')), {'system'})
        record.with_user(self.author).write({'quantity': 12.5, 'note': 'second'})
        changes = self.entries(record, operation='write')
        quantity = changes.filtered(lambda e: e.field_name == 'quantity')
        self.assertEqual((quantity.old_display, quantity.new_display), ('10.0', '12.5'))
        note = changes.filtered(lambda e: e.field_name == 'note')
        self.assertEqual((note.old_value, note.new_value), ('first', 'second'))
        # what is not declared is not audited
        record.with_user(self.author).write({'signed_hook_calls': 5})
        self.assertEqual(len(self.entries(record, operation='write')), 2)
        # the record's history: in its own tab for audit trail readers, and in the chain
        self.assertEqual(record.with_user(self.manager).mes_audit_entry_count,
                         len(self.entries(record)))
        self.assertEqual(record.with_user(self.bystander).mes_audit_entry_count, 0)
        self.assertFalse(self.env['mes.audit.entry'].verify_chain())

    def test_audited_records_cannot_be_deleted_by_default(self):
        record = self.new_record()
        with self.assertRaisesRegex(UserError, 'cannot be deleted'):
            record.with_user(self.author).unlink()
        self.assertTrue(record.exists())

    def test_the_chain_links_every_entry_to_the_one_before(self):
        self.new_record()
        self.env['mes.audit.entry'].flush_model()
        self.env.cr.execute('SELECT seq, prev_hash, entry_hash, %s FROM mes_audit_entry '
                            'ORDER BY seq' % ', '.join(integrity.ENTRY_FIELDS[1:]))
        rows = self.env.cr.fetchall()
        self.assertGreater(len(rows), 5)
        for before, after in zip(rows, rows[1:]):
            self.assertEqual(after[1], before[2])
            self.assertEqual(after[0], before[0] + 1)

    # -- the form: banner, tabs and unlock button injected --------------------------------
    def test_form_gets_the_part11_parts_without_a_view_of_its_own(self):
        arch = etree.fromstring(self.Record.with_user(self.manager).get_view(
            view_type='form')['arch'])
        self.assertTrue(arch.xpath("//page[@name='mes_signatures']"))
        self.assertTrue(arch.xpath("//page[@name='mes_audit_trail']"))
        self.assertTrue(arch.xpath("//div[@name='mes_signature_banner']"))
        unlock = arch.xpath("//header/button[@name='action_mes_unlock_for_correction']")
        self.assertEqual(len(unlock), 1)
        # each part once, and the notebook the form lacked is made in its sheet
        self.assertEqual(len(arch.xpath("//sheet/notebook")), 1)
        self.assertEqual(len(arch.xpath("//page[@name='mes_audit_trail']")), 1)
        # the unlock button is for the policy's unlock group only; the audit trail tab for
        # audit trail readers
        arch = etree.fromstring(self.Record.with_user(self.author).get_view(
            view_type='form')['arch'])
        self.assertFalse(arch.xpath("//button[@name='action_mes_unlock_for_correction']"))
        self.assertFalse(arch.xpath("//page[@name='mes_audit_trail']"))
        self.assertTrue(arch.xpath("//page[@name='mes_signatures']"))

    # -- signing (11.50, 11.70, 11.100, 11.200) --------------------------------------------
    def test_sign_in_order_with_segregation_then_the_record_is_locked(self):
        record = self.new_record()
        self.assertEqual(record.mes_signature_status, 'unsigned')
        self.assertEqual(record.mes_next_signature, 'Performed by')
        outcome = self.sign(record, self.author, 'performed')
        self.assertTrue(outcome['signed'], outcome['message'])
        self.assertFalse(outcome['complete'])
        self.assertEqual(record.mes_signature_status, 'partial')
        self.assertEqual(record.signed_hook_calls, 1)
        # approved needs a reason, and someone who neither performed nor signed it
        with self.assertRaisesRegex(UserError, 'reason is required'):
            self.sign(record, self.approver, 'approved', reason='')
        with self.assertRaisesRegex(AccessError, 'Segregation of duties'):
            self.sign(record, self.author, 'approved')
        outcome = self.sign(record, self.approver, 'approved', reason='Reviewed the batch')
        self.assertTrue(outcome['signed'], outcome['message'])
        self.assertTrue(outcome['complete'])
        self.assertTrue(record.completed)
        self.assertEqual(record.state, 'done')
        self.assertEqual(record.mes_signature_status, 'signed')
        signature = record.mes_signature_ids.filtered(lambda s: s.meaning_id.code == 'approved')
        self.assertEqual(signature.signer_id, self.approver)
        self.assertEqual(signature.signer_name, 'Bob Approver')
        self.assertEqual(signature.reason, 'Reviewed the batch')
        self.assertEqual(signature.content_hash, record._mes_content_hash())
        self.assertEqual(signature.status, 'valid')
        self.assertIn('Approved by Bob Approver (Part 11 test: signer) on ',
                      record.mes_signature_manifest)
        # locked: the signed content cannot change, lines included; the rest can
        with self.assertRaisesRegex(UserError, 'signed and locked'):
            record.with_user(self.author).write({'quantity': 11.0})
        record.with_user(self.author).write({'note': 'a remark after approval'})
        self.assertEqual(record.note, 'a remark after approval')
        self.assertTrue(self.entries(record, operation='write', field_name='note'))

    def test_a_change_past_the_lock_shows_as_an_invalid_signature(self):
        record = self.new_record()
        self.sign(record, self.author, 'performed')
        # a line is outside the record's own write(): the hash still sees it
        record.line_ids.sudo().write({'value': 9.9})
        record.invalidate_recordset()
        self.assertEqual(record.mes_signature_status, 'invalid')
        self.assertEqual(record.mes_signature_ids.status, 'invalid')

    def test_unlock_for_correction_invalidates_and_is_audited(self):
        record = self.new_record()
        self.sign(record, self.author, 'performed')
        self.sign(record, self.approver, 'approved')
        # needs the policy's unlock group, a reason and the password
        with self.assertRaises(AccessError):
            record.with_user(self.approver).mes_unlock_for_correction(
                'typo', self.approver.login, self.passwords[self.approver])
        with self.assertRaisesRegex(UserError, 'State why'):
            record.with_user(self.manager).mes_unlock_for_correction(
                ' ', self.manager.login, self.passwords[self.manager])
        outcome = record.with_user(self.manager).mes_unlock_for_correction(
            'Wrong quantity entered', self.manager.login, 'bad password')
        self.assertFalse(outcome['unlocked'])
        self.assertEqual(record.mes_signature_status, 'signed')
        outcome = record.with_user(self.manager).mes_unlock_for_correction(
            'Wrong quantity entered', self.manager.login, self.passwords[self.manager])
        self.assertTrue(outcome['unlocked'], outcome['message'])
        self.assertEqual(record.mes_signature_status, 'unsigned')
        self.assertEqual(set(record.mes_signature_ids.mapped('state')), {'invalidated'})
        self.assertFalse(record.completed)
        unlock = self.entries(record, operation='unlock')
        self.assertEqual(unlock.reason, 'Wrong quantity entered')
        self.assertEqual(unlock.user_id, self.manager)
        record.with_user(self.author).write({'quantity': 11.0})
        # and it is signed again from the start
        self.assertTrue(self.sign(record, self.author, 'performed')['signed'])

    def test_sign_wizard_signs_and_keeps_no_password(self):
        record = self.new_record()
        action = record.with_user(self.author).action_mes_sign()
        wizard = self.env['mes.sign.wizard'].with_user(self.author).with_context(
            action['context'], mes_login=self.author.login,
            mes_password=self.passwords[self.author]).create({})
        self.assertEqual(wizard.meaning_id.code, 'performed')
        wizard.action_confirm()
        self.assertEqual(record.mes_signature_status, 'partial')
        self.env.flush_all()
        self.env.cr.execute("SELECT column_name FROM information_schema.columns "
                            "WHERE table_name = 'mes_sign_wizard'")
        columns = {row[0] for row in self.env.cr.fetchall()}
        self.assertFalse({'login', 'password'} & columns)

    # -- re-authentication and lockout (11.200(a), 11.300(d)) ------------------------------
    def test_failed_passwords_lock_signing_until_a_manager_unlocks(self):
        record = self.new_record()
        self.company.mes_sign_max_failures = 2
        first = self.sign(record, self.author, 'performed', password='guess-1')
        self.assertFalse(first['signed'])
        self.assertIn('1 of 2', first['message'])
        second = self.sign(record, self.author, 'performed', password='guess-2')
        self.assertIn('now locked', second['message'])
        self.assertTrue(self.author.mes_sign_locked)
        self.assertFalse(self.sign(record, self.author, 'performed')['signed'])
        failures = self.env['mes.audit.entry'].sudo().search([
            ('res_model', '=', 'res.users'), ('res_id', '=', self.author.id),
            ('operation', 'like', 'sign')])
        self.assertEqual(set(failures.mapped('operation')), {'sign_failed', 'sign_locked'})
        activity = self.author.partner_id.activity_ids.filtered(
            lambda a: a.user_id == self.manager)
        self.assertEqual(activity.activity_type_id,
                         self.env.ref('mes_part11.mail_activity_signing_locked'))
        with self.assertRaises(AccessError):
            self.author.with_user(self.approver).action_mes_unlock_signing()
        self.author.with_user(self.manager).action_mes_unlock_signing()
        self.assertFalse(self.author.mes_sign_locked)
        self.assertFalse(self.author.partner_id.activity_ids.filtered(
            lambda a: a.user_id == self.manager))
        self.assertTrue(self.sign(record, self.author, 'performed')['signed'])

    def test_meanings_and_policy_changes_are_audited(self):
        line = self.env.ref('test_mes_part11.policy_line_test_approved')
        line.with_user(self.manager).signatures_required = 2
        entry = self.entries(line, operation='write', field_name='signatures_required')
        self.assertEqual((entry.old_value, entry.new_value), ('1', '2'))
        meaning = self.env['mes.signature.meaning'].with_user(self.manager).create(
            {'code': 'witnessed', 'name': 'Witnessed by'})
        self.assertTrue(self.entries(meaning, operation='create', field_name='name'))
