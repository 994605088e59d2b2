import glob
import os
import threading
import time

from odoo import http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import Part11Case


@tagged('post_install', '-at_install')
class TestChangeReason(Part11Case):
    """A configured reason prompt on GxP changes: a change of a covered field is refused
    without a reason whoever makes it, and the reason is sealed into its audit entry."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.record_model = cls.env['ir.model']._get('test.part11.record')
        cls.quantity = cls.env['ir.model.fields']._get('test.part11.record', 'quantity')
        cls.rule = cls.env['mes.change.reason.rule'].with_user(cls.manager).create({
            'name': 'Quantities', 'model_id': cls.record_model.id,
            'field_ids': [(6, 0, cls.quantity.ids)]})

    def test_a_covered_change_needs_a_reason_which_the_trail_keeps(self):
        """Requirements: A11-9, A11d-12, CN-CS-2015, CN-GMP-2025"""
        record = self.new_record()
        with self.assertRaisesRegex(UserError, 'Quantity of Batch 42 can only change with a '
                                               'reason'):
            record.with_user(self.author).write({'quantity': 12.0})
        self.assertEqual(record.quantity, 10.0)
        record.with_user(self.author).with_context(
            mes_change_reason='Counted again after the line stop').write(
            {'quantity': 12.0, 'note': 'Recounted'})
        [entry] = self.entries(record, operation='write', field_name='quantity')
        self.assertEqual((entry.old_value, entry.new_value, entry.user_id, entry.reason),
                         ('10.0', '12.0', self.author, 'Counted again after the line stop'))
        [note] = self.entries(record, operation='write', field_name='note')
        self.assertEqual(note.reason, 'Counted again after the line stop')
        # fields the rule does not cover, and writes that change nothing, need none
        record.with_user(self.author).write({'note': 'Second thoughts', 'quantity': 12.0})
        # creation is not a change
        self.new_record(quantity=99.0)

    def test_a_rule_without_fields_covers_every_editable_audited_field(self):
        """Requirements: A11-9"""
        self.rule.write({'field_ids': [(5, 0, 0)]})
        record = self.new_record()
        for vals in ({'name': 'Batch 43'}, {'note': 'x'}, {'quantity': 1.0}):
            with self.assertRaises(UserError):
                record.with_user(self.author).write(vals)
        # signing (the mixins' own fields, read-only) still works without one
        self.sign(record, self.author, 'performed')

    def test_other_companies_and_archived_rules(self):
        """Requirements: A11-9"""
        other = self.env['res.company'].create({'name': 'Other Plant'})
        self.author.write({'company_ids': [(4, other.id)]})
        self.rule.write({'company_id': other.id})
        record = self.new_record()
        record.with_user(self.author).write({'quantity': 11.0})  # not that company's record
        theirs = self.new_record(company_id=other.id)
        with self.assertRaises(UserError):
            theirs.with_user(self.author).with_context(
                allowed_company_ids=[other.id, self.company.id]).write({'quantity': 11.0})
        self.rule.write({'company_id': False, 'active': False})
        record.with_user(self.author).write({'quantity': 13.0})

    def test_hostile_callers_give_no_reason_by_the_back_door(self):
        """Requirements: A11-9, A11d-12"""
        record = self.new_record()
        Record = record.with_user(self.author)
        # the context key our own code uses takes only its own (Python) reasons
        for context in ({'mes_audit_reason': 'because'}, {'mes_change_reason': '   '},
                        {'mes_change_reason': ['a list']}, {'mes_change_reason': 42}):
            with self.assertRaises(UserError):
                Record.with_context(**context).write({'quantity': 1.0})
        with self.assertRaisesRegex(UserError, 'at most 2000'):
            Record.with_context(mes_change_reason='x' * 2001).write({'quantity': 1.0})
        # an import is a change like any other: refused, nothing written
        result = Record.load(['id', 'quantity'], [[record._export_rows([['id']])[0][0], '5']])
        self.assertTrue(any(m['type'] == 'error' for m in result['messages']), result)
        self.assertEqual(record.quantity, 10.0)
        # the rules are the Electronic Records Administrators' (and their changes audited)
        with self.assertRaises(AccessError):
            self.rule.with_user(self.author).write({'active': False})
        with self.assertRaises(AccessError):
            self.env['mes.change.reason.rule'].with_user(self.author).create(
                {'name': 'x', 'model_id': self.record_model.id})
        self.rule.with_user(self.manager).with_context(
            mes_change_reason='Retired with SOP-12 rev 3').write({'active': False})
        [entry] = self.entries(self.rule, operation='write', field_name='active')
        self.assertEqual((entry.user_id, entry.reason),
                         (self.manager, 'Retired with SOP-12 rev 3'))

    def test_only_audited_fields_can_need_a_reason(self):
        """Requirements: A11-9"""
        Rule = self.env['mes.change.reason.rule'].with_user(self.manager)
        with self.assertRaises(ValidationError):
            Rule.create({'name': 'Partners', 'model_id': self.env['ir.model']._get(
                'res.partner').id})
        with self.assertRaises(ValidationError):
            Rule.create({'name': 'Hook counter', 'model_id': self.record_model.id,
                         'field_ids': [(6, 0, self.env['ir.model.fields']._get(
                             'test.part11.record', 'signed_hook_calls').ids)]})

    def test_a_rule_can_cover_deletions(self):
        """Requirements: A11-9"""
        # change reason rules are themselves audited and deletable: a rule covers them
        meta = self.env['mes.change.reason.rule'].with_user(self.manager).create({
            'name': 'Rules', 'on_delete': True,
            'model_id': self.env['ir.model']._get('mes.change.reason.rule').id,
            'field_ids': [(6, 0, self.env['ir.model.fields']._get(
                'mes.change.reason.rule', 'name').ids)]})
        with self.assertRaisesRegex(UserError, 'reason for deleting'):
            self.rule.with_user(self.manager).unlink()
        self.rule.with_user(self.manager).with_context(
            mes_change_reason='Replaced by the plan rule').unlink()
        self.assertFalse(self.rule.exists())
        entries = self.env['mes.audit.entry'].sudo().search(
            [('res_model', '=', 'mes.change.reason.rule'), ('res_id', '=', self.rule.id),
             ('operation', '=', 'unlink')])
        self.assertTrue(entries)
        self.assertEqual(set(entries.mapped('reason')), {'Replaced by the plan rule'})
        self.assertTrue(meta.exists())

    def test_the_web_client_learns_the_covered_fields(self):
        """Requirements: A11-9"""
        rules = self.env['mes.change.reason.rule'].with_user(self.author)._mes_client_rules()
        self.assertEqual(rules, {'test.part11.record': ['quantity']})


@tagged('post_install', '-at_install')
class TestChangeReasonPrompt(HttpCase):

    def test_the_form_asks_for_the_reason_when_saving(self):
        """Requirements: A11-9, A11d-12"""
        env = self.env
        author = env['res.users'].create({
            'name': 'Ann Prompt', 'login': 'p11_prompt', 'password': 'p11-prompt-Secret-1',
            'group_ids': [(6, 0, [env.ref('base.group_user').id,
                                  env.ref('test_mes_part11.group_test_part11_signer').id])]})
        env['mes.change.reason.rule'].create({
            'name': 'Quantities',
            'model_id': env['ir.model']._get('test.part11.record').id,
            'field_ids': [(6, 0, env['ir.model.fields']._get(
                'test.part11.record', 'quantity').ids)]})
        record = env['test.part11.record'].with_user(author).create(
            {'name': 'Batch 77', 'quantity': 10.0})
        self.start_tour('/odoo/action-test_mes_part11.action_test_part11_record/%d' % record.id,
                        'mes_part11_change_reason', login='p11_prompt')
        self.assertEqual((record.quantity, record.note), (12.0, 'Recounted'))
        entries = env['mes.audit.entry'].search([
            ('res_model', '=', 'test.part11.record'), ('res_id', '=', record.id),
            ('operation', '=', 'write')])
        self.assertEqual(sorted(entries.mapped('field_name')), ['note', 'quantity'])
        self.assertEqual(set(entries.mapped('reason')), {'Counted again after the line stop'})
        self.assertEqual(entries.user_id, author)


@tagged('post_install', '-at_install')
class TestIdleSignOutInTheBrowser(HttpCase):

    def test_an_idle_web_client_shows_the_sign_in_page(self):
        """Requirements: A11d-11, P11-10d"""
        env = self.env
        new_test_user(env, 'p11_idle', groups='base.group_user', password='p11-idle-Secret-1')
        env.company.mes_idle_sign_out_minutes = 1
        env['ir.config_parameter'].set_param('mes_part11.idle_poll_seconds', 1)
        stop = threading.Event()

        def time_passes():
            # once the web client has reported the user's input (the click below), what a
            # minute without input does to the session, again and again (a request in flight
            # may write its own copy back)
            first = None
            aging = False
            while not stop.wait(0.3):
                store = http.root.session_store
                for path in glob.glob(os.path.join(store.path, '*', '*')):
                    try:
                        session = store.get(os.path.basename(path))
                    except (OSError, ValueError):
                        continue
                    activity = session.get('mes_last_activity')
                    if session.get('login') != 'p11_idle' or not activity:
                        continue
                    if aging:
                        session['mes_last_activity'] = time.time() - 120
                        store.save(session)
                    elif first is None:
                        first = activity
                    elif activity > first:
                        aging = True
        ager = threading.Thread(target=time_passes, daemon=True)
        ager.start()
        try:
            self.start_tour('/odoo', 'mes_part11_idle_sign_out', login='p11_idle')
        finally:
            stop.set()
            ager.join(5)
