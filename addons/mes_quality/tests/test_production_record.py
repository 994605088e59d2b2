from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.addons.mes_bridge.tests.common import instruction_pdf
from odoo.addons.mes_quality.lib import production_record as record_lib
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import PASSWORDS, QA2_PASSWORD, QualityCase
from .test_production_inspection import LEAK


class RecordCase(QualityCase):
    """A lot-tracked syringe made through guided execution, with a final inspection plan."""
    instruction_document = instruction_pdf('Wear gloves.')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.syringe.tracking = 'lot'
        cls.final = cls.make_plan(cls.syringe, [LEAK], inspection_type='final')

    def make(self, name, temperature='231.5', before_done=None):
        production = self.create_production()
        lot = self.env['stock.lot'].create({'name': name, 'product_id': self.syringe.id})
        production.lot_producing_ids = lot
        production.with_user(self.supervisor).action_mes_release()
        molding, assembly = self.workorders(production)
        self.run_molding(molding, temperature=temperature)
        self.run_assembly(assembly)
        if before_done:
            before_done(production)
        for workorder in (molding, assembly):
            workorder.with_user(self.operator).button_finish()
        action = production.button_mark_done()
        if isinstance(action, dict) and action.get('res_model') == 'mrp.consumption.warning':
            # more consumed than the bill of materials says: confirmed, as a planner would
            Form(self.env['mrp.consumption.warning'].with_context(
                **action['context'])).save().action_confirm()
        self.assertEqual(production.state, 'done')
        return production, lot

    def record_of(self, production):
        return production.mes_production_record_id

    def pass_final(self, lot):
        final = self.env['mes.inspection'].search([('lot_id', '=', lot.id),
                                                   ('inspection_type', '=', 'final')])
        self.record_all(final)
        self.assertTrue(self.decide(final)['signed'])
        return final

    def acknowledge(self, record, comment='Checked against the batch documentation'):
        record.flag_ids.filtered(lambda f: not f.acknowledged).with_user(
            self.inspector).mes_acknowledge(comment)

    def release(self, record, user=None, password=None):
        user = user or self.qa_manager
        return record.with_user(user).mes_release(user.login,
                                                  password or PASSWORDS['qa_manager'])

    def recompile(self, record):
        return self.env['mes.production.record'].browse(
            record.with_user(self.inspector).action_recompile()['res_id'])


@tagged('post_install', '-at_install')
class TestProductionRecord(RecordCase):

    def test_compiled_when_done_with_every_section_and_hashed(self):
        production, lot = self.make('SYR-DHR-1')
        record = self.record_of(production)
        self.assertEqual((record.state, record.version, record.lot_ids), ('review', 1, lot))
        content = record._mes_record_content()
        self.assertEqual(content['header']['lots'], ['SYR-DHR-1'])
        self.assertEqual(content['header']['master_version'], 1)
        self.assertEqual(content['master_record']['approval_state'], 'approved')
        self.assertEqual([s['signer'] for s in content['master_record']['signatures']],
                         [self.qa_manager.name])
        self.assertEqual(len(content['steps']), 10)
        temperature = next(s for s in content['steps'] if s['name'] == 'Barrel temperature')
        self.assertEqual((temperature['value'], temperature['operator'], temperature['result']),
                         ('231.5', self.operator.name, 'pass'))
        self.assertTrue(temperature['date_done'])
        # the work instruction the order was made with: its document, by name and digest
        instruction = next(s for s in content['steps'] if s['type'] == 'instruction')
        self.assertEqual(instruction['document'], {
            'name': 'WI-MOULD-01.pdf',
            'sha256': self.bom.operation_ids.mes_step_ids.filtered(
                lambda s: s.step_type == 'instruction').instruction_pdf_sha256})
        self.assertNotIn('document', temperature)
        materials = {m['lot']: m for m in content['materials'] if m['lot']}
        self.assertEqual(set(materials), {'RES-001', 'STP-001', 'NDL-001'})
        self.assertEqual(materials['STP-001']['state_at_use'], 'released')
        self.assertEqual([e['code'] for e in content['equipment']], ['MOULD-07'])
        self.assertFalse(content['mass_balance']['components'][0]['out_of_tolerance'])
        self.assertEqual([i['type'] for i in content['inspections']], ['final'])
        # the line-clearance signature of the operator is in the record, with its meaning
        self.assertIn(self.operator.name, [s['signer'] for s in content['signatures']])
        self.assertTrue(content['audit'])
        self.assertEqual(record.content_hash, record_lib.content_hash(content))
        # nothing changed: compiling again gives the same record
        self.assertEqual(self.recompile(record), record)
        # the lot page of the order leads to it
        self.assertEqual(production.mes_production_record_state, 'review')

    def test_a_change_makes_a_new_version_and_keeps_the_old(self):
        production, lot = self.make('SYR-DHR-2')
        first = self.record_of(production)
        self.pass_final(lot)
        second = self.recompile(first)
        self.assertNotEqual(second, first)
        self.assertEqual((second.version, second.previous_id, second.name),
                         (2, first, first.name))
        self.assertEqual(first.state, 'superseded')
        self.assertNotEqual(first.content_hash, second.content_hash)
        self.assertEqual(first._mes_record_content()['inspections'][0]['decision'], None)
        self.assertEqual(second._mes_record_content()['inspections'][0]['decision'], 'accept')
        self.assertEqual(production.mes_production_record_id, second)
        # the superseded version is kept, whole and unchanged
        self.assertEqual(first.content_hash, record_lib.content_hash(first._mes_record_content()))

    def test_hash_changes_with_any_change(self):
        content = {'steps': [{'id': 1, 'value': '231.5'}], 'header': {'lots': ['A']}}
        digest = record_lib.content_hash(content)
        self.assertEqual(digest, record_lib.content_hash(
            {'header': {'lots': ['A']}, 'steps': [{'value': '231.5', 'id': 1}]}))
        for changed in ({'steps': [{'id': 1, 'value': '231.6'}], 'header': {'lots': ['A']}},
                        {'steps': [{'id': 1, 'value': '231.5'}], 'header': {'lots': ['B']}},
                        {'steps': [], 'header': {'lots': ['A']}}):
            self.assertNotEqual(record_lib.content_hash(changed), digest)

    def test_release_waits_for_every_open_item_then_releases_the_lot(self):
        production, lot = self.make('SYR-DHR-3', temperature='245.0', before_done=(
            lambda mo: mo.mes_exception_ids.with_user(self.qa_manager).action_disposition(
                'use_as_is', 'Within validated range PQ-7', self.qa_manager.login,
                PASSWORDS['qa_manager'])))
        record = self.record_of(production)
        deviation = record.flag_ids.filtered(lambda f: f.kind == 'deviation')
        self.assertEqual(len(deviation), 1)
        self.assertIn('245', deviation.description)
        # the final inspection is pending and the flag is open
        with self.assertRaisesRegex(UserError, 'not acknowledged.*not decided'):
            self.release(record)
        self.acknowledge(record)
        with self.assertRaisesRegex(UserError, 'not decided'):
            self.release(record)
        self.pass_final(lot)
        # the record no longer says what the database says
        with self.assertRaisesRegex(UserError, 'compile it again'):
            self.release(record)
        record = self.recompile(record)
        # the acknowledgement of the unchanged flag carried over
        self.assertEqual(record.open_flag_count, 0)
        # an open nonconformance on the lot
        nc = self.env['mes.nonconformance'].with_user(self.inspector).create({
            'title': 'Label smudged', 'product_id': self.syringe.id,
            'line_ids': [(0, 0, {'product_id': self.syringe.id, 'lot_id': lot.id,
                                 'quantity': 1, 'location_id': self.stock_location.id})]})
        record = self.recompile(record)
        with self.assertRaisesRegex(UserError, nc.name):
            self.release(record)
        nc.with_user(self.qa_manager).mes_cancel('Smudge is on the outer carton only')
        # the containment hold stays until QA lifts it: the release does not lift it
        record = self.recompile(record)
        with self.assertRaisesRegex(UserError, 'on hold'):
            self.release(record)
        lot.with_user(self.qa_manager).write({'mes_release_state': 'quarantine'})
        record = self.recompile(record)
        # an operator of the order never releases it; an inspector neither
        with self.assertRaises(AccessError):
            self.release(record, self.inspector, PASSWORDS['inspector'])
        outcome = self.release(record)
        self.assertTrue(outcome['signed'], outcome['message'])
        self.assertEqual((record.state, record.released_by_id), ('released', self.qa_manager))
        self.assertEqual(record.mes_signature_ids.meaning_id.code, 'released_distribution')
        self.assertEqual(lot.mes_release_state, 'released')
        # released: not compiled again, not unlocked
        with self.assertRaisesRegex(UserError, 'not compiled again'):
            record.with_user(self.inspector).action_recompile()
        with self.assertRaisesRegex(UserError, 'nonconformance'):
            record.with_user(self.qa_manager).mes_unlock_for_correction(
                'typo', self.qa_manager.login, PASSWORDS['qa_manager'])

    def test_a_qa_manager_who_worked_on_the_order_does_not_release_it(self):
        """Requirements: A11d-12"""
        worker = new_test_user(
            self.env, 'mes_qa_on_the_line', name='Quinn Line-QA', password='qa-line-Secret-2026',
            groups='mes_bridge.group_mes_operator,mes_bridge.group_mes_quality_manager')
        operator_record = self.record

        def record(step, **kw):
            # the moulding steps are recorded by a QA manager who helped on the line
            if step.workorder_id.name == self.workorders(step.workorder_id.production_id)[0].name:
                return step.with_user(worker).mes_record(**kw)
            return operator_record(step, **kw)
        self.record = record
        production, lot = self.make('SYR-DHR-SOD')
        self.record = operator_record
        self.assertIn(worker, production.mes_step_execution_ids.operator_id)
        record = self.record_of(production)
        self.acknowledge(record)
        self.pass_final(lot)
        record = self.recompile(record)
        with self.assertRaisesRegex(AccessError, 'Segregation of duties'):
            self.release(record, worker, 'qa-line-Secret-2026')
        self.assertEqual(lot.mes_release_state, 'quarantine')
        self.assertFalse(record.mes_signature_ids)
        # a QA manager who did not work on it releases it
        outcome = self.release(record)
        self.assertTrue(outcome['signed'], outcome['message'])
        self.assertEqual(record.released_by_id, self.qa_manager)

    def test_blocking_exception_refuses_release(self):
        production, lot = self.make('SYR-DHR-4')
        self.pass_final(lot)
        record = self.recompile(self.record_of(production))
        self.env['mes.exception'].with_user(self.supervisor).create({
            'production_id': production.id, 'severity': 'critical',
            'description': 'Sterility indicator missing from the load'})
        record = self.recompile(record)
        self.acknowledge(record)
        with self.assertRaisesRegex(UserError, 'blocking'):
            self.release(record)

    def test_qa_rejects_and_the_lot_is_rejected(self):
        production, lot = self.make('SYR-DHR-5')
        record = self.record_of(production)
        with self.assertRaises(AccessError):
            record.with_user(self.inspector).mes_reject('Bad')
        with self.assertRaisesRegex(UserError, 'State why'):
            record.with_user(self.qa_manager).mes_reject(' ')
        record.with_user(self.qa_manager).mes_reject('Sterilisation cycle record missing')
        self.assertEqual((record.state, lot.mes_release_state), ('rejected', 'rejected'))
        entry = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'stock.lot'), ('res_id', '=', lot.id),
            ('field_name', '=', 'mes_release_state'), ('new_value', '=', 'rejected')])
        self.assertIn('Sterilisation cycle record missing', entry.reason)


@tagged('post_install', '-at_install')
class TestReviewFlags(RecordCase):
    """Each kind of flag from the situation that raises it."""

    def flags(self, record, kind):
        return record.flag_ids.filtered(lambda f: f.kind == kind)

    def test_late_and_backdated_entries(self):
        production = self.create_production()
        production.lot_producing_ids = self.env['stock.lot'].create(
            {'name': 'SYR-LATE', 'product_id': self.syringe.id})
        production.with_user(self.supervisor).action_mes_release()
        molding, assembly = self.workorders(production)
        start = datetime(2026, 11, 2, 8, 0)
        with freeze_time(start):
            molding.with_user(self.operator).button_start()
            steps = self.steps(molding)
            self.record(steps[0])
            self.record(steps[1], code='RES-001')
        with freeze_time(start + timedelta(hours=14)):
            self.record(steps[2], value='231.5')
            self.record(steps[3], code='MOULD-07')
            molding.with_user(self.operator).button_finish()
            self.run_assembly(assembly)
            assembly.with_user(self.operator).button_finish()
            production.button_mark_done()
        # someone moves a recorded time back by an hour, directly in the database (the ORM
        # refuses it): the audit trail still knows when it was recorded
        backdated = self.steps(assembly)[3]
        self.env.flush_all()
        self.env.cr.execute("UPDATE mes_step_execution SET date_done = %s WHERE id = %s",
                            ['2026-11-02 21:00:00', backdated.id])
        backdated.invalidate_recordset(['date_done'])
        record = self.recompile(self.record_of(production))
        late = self.flags(record, 'late_entry')
        self.assertEqual(len(late), 1)
        self.assertIn('Barrel temperature', late.description)
        self.assertIn('14.0', late.description)
        self.assertEqual(len(self.flags(record, 'backdated_entry')), 1)
        self.assertIn(backdated.name, self.flags(record, 'backdated_entry').description)

    def test_correction_after_signature(self):
        production, _lot = self.make('SYR-CORR', temperature='245.0', before_done=(
            lambda mo: mo.mes_exception_ids.with_user(self.qa_manager).action_disposition(
                'use_as_is', 'Within PQ-7', self.qa_manager.login, PASSWORDS['qa_manager'])))
        exception = production.mes_exception_ids
        exception.with_user(self.qa_manager).mes_unlock_for_correction(
            'Wrong disposition chosen', self.qa_manager.login, PASSWORDS['qa_manager'])
        exception.with_user(self.qa_manager).action_disposition(
            'rework', 'Re-moulded', self.qa_manager.login, PASSWORDS['qa_manager'])
        record = self.recompile(self.record_of(production))
        correction = self.flags(record, 'correction')
        self.assertEqual(len(correction), 1)
        self.assertIn('Wrong disposition chosen', correction.description)

    def test_rejected_inspection_concession_and_spc(self):
        production, lot = self.make('SYR-REJ')
        final = self.env['mes.inspection'].search([('lot_id', '=', lot.id)])
        self.record_all(final, defects={2: {'defects_critical': 1}})
        self.decide(final)
        action = final.with_user(self.inspector).action_open_nonconformance()
        nc = self.env['mes.nonconformance'].browse(action['res_id'])
        line = nc.line_ids
        line.with_user(self.inspector).write({'disposition': 'use_as_is',
                                              'justification': 'Leak tester fault, DV-3'})
        line.with_user(self.qa_manager).mes_sign('approved', self.qa_manager.login,
                                                 PASSWORDS['qa_manager'], 'MRB')
        self.env['mes.exception']._mes_raise(
            lot, 'spc', 'SPC signal on Plunger force, point 9: Rule 2', severity='minor',
            source='quality')
        record = self.recompile(self.record_of(production))
        self.assertEqual(len(self.flags(record, 'inspection')), 1)
        self.assertIn('Leak tester fault', self.flags(record, 'concession').description)
        self.assertIn('Rule 2', self.flags(record, 'spc_signal').description)

    def test_material_put_on_hold_while_in_use_and_mass_balance(self):
        def before_done(production):
            # the resin lot scanned at moulding is put on hold before the order consumes it
            self.resin_lot.with_user(self.inspector).write({'mes_release_state': 'on_hold'})
            # and half as much resin again as the bill of materials says goes in
            move = production.move_raw_ids.filtered(lambda m: m.product_id == self.resin)
            move.move_line_ids[:1].quantity = move.product_uom_qty * 1.5
        production, _lot = self.make('SYR-HOLD', before_done=before_done)
        record = self.record_of(production)
        material = self.flags(record, 'unreleased_material')
        self.assertEqual(len(material), 1)
        self.assertIn('RES-001', material.description)
        self.assertIn('On Hold', material.description)
        balance = self.flags(record, 'mass_balance')
        self.assertEqual(len(balance), 1)
        self.assertIn(self.resin.display_name, balance.description)

    def test_supervisor_override_of_a_quarantined_lot(self):
        production = self.create_production()
        production.lot_producing_ids = self.env['stock.lot'].create(
            {'name': 'SYR-OVR', 'product_id': self.syringe.id})
        production.with_user(self.supervisor).action_mes_release()
        molding, assembly = self.workorders(production)
        self.run_molding(molding)
        molding.with_user(self.operator).button_finish()
        assembly.with_user(self.operator).button_start()
        steps = self.steps(assembly)
        self.assertFalse(self.record(steps[0], code='STP-002')['accepted'])
        outcome = steps[0].with_user(self.supervisor).mes_override(
            'STP-002', 'Lot released on paper by QA, record follows', login='mes_supervisor',
            password=PASSWORDS['supervisor'])
        self.assertTrue(outcome['accepted'], outcome['message'])
        for step, kw in zip(steps[1:], [
                {'code': 'NDL-001'}, {'code': 'LBL-001'}, {'value': '7'}, {'passed': True},
                {'login': 'mes_operator', 'password': PASSWORDS['operator']}]):
            self.assertTrue(self.record(step, **kw)['accepted'])
        assembly.with_user(self.operator).button_finish()
        production.button_mark_done()
        record = self.record_of(production)
        override = self.flags(record, 'manual_override')
        self.assertEqual(len(override), 1)
        self.assertIn('Lot released on paper by QA', override.description)
        self.assertIn(self.supervisor.name, override.description)
        # the lot it let through was in quarantine when used, and the refusal before it is
        # reviewed as the deviation it was
        material = self.flags(record, 'unreleased_material')
        self.assertEqual(len(material), 1)
        self.assertIn('STP-002', material.description)
        self.assertIn('STP-002', self.flags(record, 'deviation').description)
        content = record._mes_record_content()
        stopper = next(s for s in content['steps'] if s['id'] == steps[0].id)
        self.assertEqual((stopper['overridden'], stopper['lot'], stopper['operator']),
                         (True, 'STP-002', self.supervisor.name))
        self.assertNotIn('overridden', next(s for s in content['steps'] if s['id'] == steps[1].id))
        # the supervisor's signature is in the record with its meaning and reason
        self.assertIn(('Override authorised by', self.supervisor.name,
                       'Lot released on paper by QA, record follows'),
                      [(s['meaning'], s['signer'], s['reason']) for s in content['signatures']])
        # not released past the override until QA has looked at it
        self.pass_final(production.lot_producing_ids)
        record = self.recompile(record)
        with self.assertRaisesRegex(UserError, 'not acknowledged'):
            self.release(record)

    def test_material_equipment_process_and_balance_rules(self):
        """The rules for what only other addons or data fill in, on compiled content."""
        content = {
            'steps': [{'id': 1, 'name': 'Force', 'out_of_limit': True, 'value': '11',
                       'spec': '<= 10', 'workorder': 'WO1'}],
            'materials': [{'lot': 'STP-9', 'product': 'Stopper', 'state_at_use': 'quarantine',
                           'date': '2026-11-02 08:00:00'},
                          {'lot': 'STP-1', 'product': 'Stopper', 'state_at_use': 'released'}],
            'equipment': [{'code': 'GAUGE-1', 'usable': False, 'problem': 'calibration overdue',
                           'date': '2026-11-02 08:00:00'}, {'code': 'MOULD-07', 'usable': True}],
            'process_data': [{'parameter': 'Melt temperature', 'gaps': 2, 'gap_seconds': 95,
                              'excursions': 3}],
            'mass_balance': {'components': [{'product': 'Resin', 'out_of_tolerance': True,
                                             'deviation_pct': 4.25}]},
            'exceptions': [{'name': 'EXC/1', 'kind': 'manual_override', 'description': 'x'}],
        }
        kinds = [f['kind'] for f in record_lib.review_flags(content)]
        self.assertEqual(kinds, ['out_of_limit', 'manual_override', 'unreleased_material',
                                 'equipment_status', 'process_gap', 'process_excursion',
                                 'mass_balance'])
        # an out-of-limit value with its exception is reviewed once, as the deviation
        content['exceptions'].append({'name': 'EXC/2', 'kind': 'out_of_limit', 'step_id': 1})
        kinds = [f['kind'] for f in record_lib.review_flags(content)]
        self.assertNotIn('out_of_limit', kinds)
        self.assertIn('deviation', kinds)


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestProductionRecordAdversarial(RecordCase):

    def test_records_and_flags_cannot_be_forged(self):
        production, lot = self.make('SYR-ADV-1', temperature='245.0', before_done=(
            lambda mo: mo.mes_exception_ids.with_user(self.qa_manager).action_disposition(
                'use_as_is', 'PQ-7', self.qa_manager.login, PASSWORDS['qa_manager'])))
        record = self.record_of(production)
        Record = self.env['mes.production.record']
        with self.assertRaisesRegex(UserError, 'compiled'):
            Record.with_user(self.qa_manager).create({'production_id': production.id})
        for vals in ({'state': 'released'}, {'content_hash': '0' * 64},
                     {'lot_ids': [(5, 0, 0)]}):
            with self.assertRaisesRegex(UserError, 'changes only'):
                record.with_user(self.qa_manager).write(vals)
        flag = record.flag_ids[:1]
        with self.assertRaisesRegex(UserError, 'Acknowledge'):
            flag.with_user(self.qa_manager).write({'acknowledged': True})
        with self.assertRaisesRegex(UserError, 'comment'):
            flag.with_user(self.inspector).mes_acknowledge('  ')
        with self.assertRaises(AccessError):
            flag.with_user(self.operator).mes_acknowledge('fine')
        with self.assertRaises(UserError):
            record.with_user(self.qa_manager).unlink()
        with self.assertRaises(UserError):
            record.sudo().unlink()
        # the signature covers the acknowledgements: none can be slipped in after release
        self.acknowledge(record)
        self.pass_final(lot)
        record = self.recompile(record)
        self.assertTrue(self.release(record)['signed'])
        with self.assertRaisesRegex(UserError, 'waiting for review'):
            record.flag_ids[:1].with_user(self.inspector).mes_acknowledge('again')
        with self.assertRaisesRegex(UserError, 'fully signed|not waiting'):
            self.release(record, self.qa_manager2, QA2_PASSWORD)

    def test_counts_defaults_and_holds_cannot_open_the_way(self):
        # flags born acknowledged through context defaults, whoever compiles
        production, lot = self.make('SYR-ADV-3', temperature='245.0', before_done=(
            lambda mo: mo.mes_exception_ids.with_user(self.qa_manager).action_disposition(
                'use_as_is', 'PQ-7', self.qa_manager.login, PASSWORDS['qa_manager'])))
        record = self.record_of(production)
        self.pass_final(lot)
        record = self.env['mes.production.record'].browse(record.with_user(
            self.inspector).with_context(default_acknowledged=True, default_comment='ok',
                                         default_acknowledged_by_id=self.qa_manager.id,
                                         default_state='released').action_recompile()['res_id'])
        self.assertEqual((record.state, record.open_flag_count), ('review', 1))
        self.assertFalse(record.flag_ids.acknowledged_by_id)
        # the stored count is not a way round the flags
        with self.assertRaisesRegex(UserError, 'changes only'):
            record.with_user(self.inspector).write({'open_flag_count': 0})
        self.acknowledge(record)
        # a lot held since (a recall) is not released by the record
        lot.with_user(self.inspector).write({'mes_release_state': 'on_hold'})
        record = self.recompile(record)
        with self.assertRaisesRegex(UserError, 'on hold or rejected'):
            self.release(record)
        self.assertEqual(lot.mes_release_state, 'on_hold')

    def test_another_company_sees_no_record(self):
        production, _lot = self.make('SYR-ADV-2')
        record = self.record_of(production)
        other = self.env['res.company'].create({'name': 'Other plant'})
        outsider = new_test_user(self.env, 'dhr_outsider', company_id=other.id,
                                 company_ids=[(6, 0, other.ids)],
                                 groups='mes_bridge.group_mes_quality_manager')
        self.assertFalse(self.env['mes.production.record'].with_user(outsider).search(
            [('id', '=', record.id)]))
        with self.assertRaises(AccessError):
            record.with_user(outsider).mes_release(outsider.login, 'x')
        with self.assertRaises(AccessError):
            record.with_user(outsider).mes_reject('not mine')

    def test_a_made_lot_is_released_with_its_record_only(self):
        """QA's hand release of a lot (its button, a write, JSON-2) does not go round the
        review of the record of the order that made it."""
        production = self.create_production()
        lot = self.env['stock.lot'].create({'name': 'SYR-GATE', 'product_id': self.syringe.id})
        production.lot_producing_ids = lot
        production.with_user(self.supervisor).action_mes_release()
        # still being made
        with self.assertRaisesRegex(UserError, 'still being made by %s' % production.name):
            lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        molding, assembly = self.workorders(production)
        self.run_molding(molding)
        self.run_assembly(assembly)
        for workorder in (molding, assembly):
            workorder.with_user(self.operator).button_finish()
        production.button_mark_done()
        record = self.record_of(production)
        self.pass_final(lot)
        record = self.recompile(record)
        # the lot form's button, a plain write, a context key that looks like the token
        with self.assertRaisesRegex(UserError, '%s.*To Review' % record.name):
            lot.with_user(self.qa_manager).with_context(
                mes_release_state='released').action_mes_set_release_state()
        for context in ({}, {'mes_record_release': True},
                        {'mes_record_release': 'RECORD_RELEASE'}):
            with self.assertRaisesRegex(UserError, 'review and release the record'):
                lot.with_user(self.qa_manager).with_context(**context).write(
                    {'mes_release_state': 'released'})
        self.assertEqual(lot.mes_release_state, 'quarantine')
        # the record's release releases it
        self.acknowledge(record)
        self.assertTrue(self.release(record)['signed'])
        self.assertEqual(lot.mes_release_state, 'released')
        # held and lifted again by hand once the record is released
        lot.with_user(self.inspector).write({'mes_release_state': 'on_hold'})
        lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        self.assertEqual(lot.mes_release_state, 'released')

    def test_a_rejected_record_keeps_its_lot_out_a_concession_waits_for_the_record(self):
        production, lot = self.make('SYR-GATE-2')
        self.pass_final(lot)
        self.record_of(production).with_user(self.qa_manager).mes_reject('Cycle record lost')
        self.assertEqual(lot.mes_release_state, 'rejected')
        with self.assertRaisesRegex(UserError, 'Rejected'):
            lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        # a concession on a made lot: back to quarantine, the record releases it
        production, lot = self.make('SYR-GATE-3')
        final = self.env['mes.inspection'].search([('lot_id', '=', lot.id)])
        self.record_all(final, defects={2: {'defects_critical': 1}})
        self.decide(final)
        nc = self.env['mes.nonconformance'].browse(
            final.with_user(self.inspector).action_open_nonconformance()['res_id'])
        nc.line_ids.with_user(self.inspector).write({'disposition': 'use_as_is',
                                                     'justification': 'Tester fault, DV-3'})
        nc.line_ids.with_user(self.qa_manager).mes_sign('approved', self.qa_manager.login,
                                                        PASSWORDS['qa_manager'], 'MRB')
        self.assertEqual(nc.line_ids.disposition_state, 'done')
        self.assertEqual(lot.mes_release_state, 'quarantine')
        # the concession is in the record QA reviews; the lot waits for the record's release
        record = self.recompile(self.record_of(production))
        self.assertIn('Tester fault, DV-3', record.flag_ids.filtered(
            lambda f: f.kind == 'concession').description)
        with self.assertRaisesRegex(UserError, 'review and release the record'):
            lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
