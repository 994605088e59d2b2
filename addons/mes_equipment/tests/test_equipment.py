import json
from datetime import datetime, timedelta

import jsonschema

from odoo import fields
from odoo.addons.mes_bridge.tests.common import MesCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, TransactionCase, new_test_user, tagged

from ..lib import oee


@tagged('post_install', '-at_install')
class TestEquipmentGates(MesCase):
    """Unqualified, uncalibrated or blocked equipment never makes product."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mould = cls.env['maintenance.equipment'].create({
            'name': 'Injection mould 07', 'mes_code': 'MOULD-07',
            'mes_workcenter_id': cls.wc_molding.id, 'mes_ideal_cycle_time': 12.0})
        today = fields.Date.today()
        cls.env['mes.equipment.qualification'].create([
            {'equipment_id': cls.mould.id, 'stage': stage, 'date': today - timedelta(days=30),
             'result': 'pass', 'valid_until': today + timedelta(days=300)}
            for stage in ('iq', 'oq', 'pq')])
        cls.calibration = cls.env['mes.equipment.calibration'].create({
            'equipment_id': cls.mould.id, 'date': today - timedelta(days=10),
            'date_due': today + timedelta(days=170), 'result': 'pass',
            'certificate_number': 'CAL-2026-0815'})

    def test_qualified_calibrated_equipment_is_usable(self):
        self.assertTrue(self.mould.mes_usable, self.mould.mes_unusable_reason)
        self.assertEqual(self.mould.mes_calibration_due, self.calibration.date_due)

    def test_each_reason_makes_it_unusable(self):
        today = fields.Date.today()
        pq = self.mould.mes_qualification_ids.filtered(lambda q: q.stage == 'pq')
        pq.valid_until = today - timedelta(days=1)
        self.assertIn('Performance Qualification (PQ) expired', self.mould._mes_unusable_reasons()[0])
        pq.valid_until = False
        self.env['mes.equipment.calibration'].create({
            'equipment_id': self.mould.id, 'date': today - timedelta(days=400),
            'date_due': today - timedelta(days=35), 'result': 'pass'})
        # the newest calibration by date still counts: this older one changes nothing
        self.assertTrue(self.mould.mes_usable)
        self.calibration.date_due = today - timedelta(days=1)
        self.assertIn('overdue for calibration', self.mould._mes_unusable_reasons()[0])
        self.calibration.date_due = today + timedelta(days=100)
        request = self.env['maintenance.request'].create({
            'name': 'Hydraulic leak', 'equipment_id': self.mould.id})
        self.assertIn('Hydraulic leak', self.mould._mes_unusable_reasons()[0])
        request.mes_blocks_use = False
        self.assertTrue(self.mould.mes_usable)
        fresh = self.env['maintenance.equipment'].create({'name': 'New press'})
        self.assertEqual(len(fresh._mes_unusable_reasons()), 4)  # IQ, OQ, PQ, calibration

    def test_equipment_step_refuses_unusable_equipment_and_records_it(self):
        self.calibration.date_due = fields.Date.today() - timedelta(days=2)
        production = self.released_production()
        molding = self.workorders(production)[0]
        # the refusal is recorded in a transaction of its own (here: a savepoint of the
        # test's; tests/test_json2_adversarial.py shows it survives a real rollback)
        self.registry_enter_test_mode()
        message = None
        try:
            molding.with_user(self.operator).button_start()
        except UserError as error:
            message = str(error)
        self.assertTrue(message, 'an unusable mould let the work order start')
        # the start itself is refused for the work center's equipment, in words
        self.assertIn('overdue for calibration', message)
        self.assertIn('recorded as exception', message)
        self.assertNotEqual(molding.state, 'progress')
        production.invalidate_recordset()
        exception = production.mes_exception_ids
        self.assertEqual((exception.kind, exception.source, exception.scanned_code),
                         ('equipment_unusable', 'equipment', 'MOULD-07'))
        # once calibrated again it starts, and the scan step accepts it
        self.env['mes.equipment.calibration'].create({
            'equipment_id': self.mould.id, 'date': fields.Date.today(),
            'date_due': fields.Date.today() + timedelta(days=180), 'result': 'pass'})
        self.run_molding(molding)
        self.assertEqual(self.steps(molding)[3].equipment_code, 'MOULD-07')

    def test_scan_of_unusable_equipment_is_refused(self):
        steps = self.molding_at_equipment_step()
        self.env['maintenance.request'].create({'name': 'Cracked cavity',
                                                'equipment_id': self.mould.id})
        refused = self.record(steps[3], code='mould-07')
        self.assertFalse(refused['accepted'])
        self.assertIn('Cracked cavity', refused['message'])
        self.assertEqual(self.env['mes.exception'].browse(refused['exception_id']).kind,
                         'equipment_unusable')
        self.assertEqual(steps[3].state, 'pending')

    def test_kiosk_snapshot_names_unusable_equipment(self):
        steps = self.molding_at_equipment_step()
        self.assertEqual(steps[3]._mes_kiosk_step()['equipment']['unusable'], {})
        self.env['maintenance.request'].create({'name': 'Cracked cavity',
                                                'equipment_id': self.mould.id})
        unusable = steps[3]._mes_kiosk_step()['equipment']['unusable']
        self.assertIn('Cracked cavity', unusable['mould-07'])

    def test_override_never_accepts_unusable_equipment(self):
        """A supervisor may sign past another mould than the one named, never past a mould
        that may not be used, nor past the named mould's own unusability."""
        spare = self.env['maintenance.equipment'].create({
            'name': 'Injection mould 08', 'mes_code': 'MOULD-08'})  # never qualified
        production = self.released_production()
        steps = self.molding_at_equipment_step(production)

        def override(code):
            return steps[3].with_user(self.supervisor).mes_override(
                code, 'MOULD-07 is in maintenance', login='mes_supervisor',
                password='supervisor-Secret-2026')
        with self.assertRaisesRegex(UserError, 'Injection mould 08.*cannot override'):
            override('MOULD-08')
        self.env['maintenance.request'].create({'name': 'Cracked cavity',
                                                'equipment_id': self.mould.id})
        with self.assertRaisesRegex(UserError, 'Cracked cavity.*cannot override'):
            override('MOULD-07')
        self.assertEqual(steps[3].state, 'pending')
        self.assertFalse(production.mes_exception_ids.filtered(
            lambda e: e.kind == 'manual_override'))
        # once MOULD-08 is qualified and calibrated, the supervisor signs past the swap
        today = fields.Date.today()
        self.env['mes.equipment.qualification'].create([
            {'equipment_id': spare.id, 'stage': stage, 'date': today, 'result': 'pass'}
            for stage in ('iq', 'oq', 'pq')])
        self.env['mes.equipment.calibration'].create({
            'equipment_id': spare.id, 'date': today, 'date_due': today + timedelta(days=180),
            'result': 'pass'})
        self.assertTrue(override('MOULD-08')['accepted'])
        self.assertEqual((steps[3].equipment_code, steps[3].overridden), ('MOULD-08', True))

    def test_calibration_due_opens_a_request_ahead_once(self):
        self.company.mes_calibration_notice_days = 14
        Equipment = self.env['maintenance.equipment']
        self.assertNotIn(self.mould, Equipment._cron_mes_calibration_requests())
        self.calibration.date_due = fields.Date.today() + timedelta(days=10)
        self.assertIn(self.mould, Equipment._cron_mes_calibration_requests())
        request = self.mould.mes_calibration_request_id
        self.assertEqual((request.maintenance_type, request.mes_blocks_use),
                         ('preventive', False))
        self.assertIn('Calibration due', request.name)
        self.assertNotIn(self.mould, Equipment._cron_mes_calibration_requests(), 'not twice')
        # the next calibration answers the request
        self.env['mes.equipment.calibration'].create({
            'equipment_id': self.mould.id, 'date': fields.Date.today(),
            'date_due': fields.Date.today() + timedelta(days=180), 'result': 'adjusted'})
        self.assertFalse(self.mould.mes_calibration_request_id)

    def test_qualification_and_calibration_records_are_audited_and_kept(self):
        from odoo.exceptions import UserError
        self.calibration.certificate_number = 'CAL-2026-0815-R1'
        entry = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.equipment.calibration'), ('res_id', '=', self.calibration.id),
            ('operation', '=', 'write')])
        self.assertEqual((entry.old_value, entry.new_value), ('CAL-2026-0815', 'CAL-2026-0815-R1'))
        with self.assertRaises(UserError):
            self.calibration.unlink()

    def test_oee_from_state_periods(self):
        start = datetime(2026, 11, 2, 6, 0)
        Period = self.env['mes.equipment.state.period']
        self.env.cr.flush()
        first_event = self.env['mes.event'].search([], limit=1, order='id desc').id
        Period.create([
            {'equipment_id': self.mould.id, 'state': 'running', 'date_start': start,
             'date_stop': start + timedelta(hours=6), 'total_count': 1500, 'good_count': 1470},
            {'equipment_id': self.mould.id, 'state': 'down', 'reason': 'Mould jam',
             'date_start': start + timedelta(hours=6), 'date_stop': start + timedelta(hours=7)},
            {'equipment_id': self.mould.id, 'state': 'setup', 'reason': 'Changeover',
             'date_start': start + timedelta(hours=7),
             'date_stop': start + timedelta(hours=7, minutes=30)},
            {'equipment_id': self.mould.id, 'state': 'running',
             'date_start': start + timedelta(hours=7, minutes=30),
             'date_stop': start + timedelta(hours=8), 'total_count': 100, 'good_count': 100},
        ])
        # each state the machine entered is an event for other systems, in order
        self.env.cr.flush()
        events = self.env['mes.event'].search([('id', '>', first_event),
                                               ('event_type', '=', 'equipment.state_changed')],
                                              order='id')
        data = [json.loads(event.data) for event in events]
        self.assertEqual([(d['state'], d['reason']) for d in data], [
            ('running', None), ('down', 'Mould jam'), ('setup', 'Changeover'),
            ('running', None)])
        self.assertEqual(data[1]['since'], '2026-11-02T12:00:00Z')
        self.assertEqual({event.ordering_key for event in events},
                         {'maintenance.equipment,%s' % self.mould.id})
        jsonschema.validate(events[0]._mes_message(), json.loads(self.env[
            'mes.event.type'].search([('code', '=', 'equipment.state_changed')]).json_schema))
        result = self.mould.mes_oee(start, start + timedelta(hours=8))
        self.assertAlmostEqual(result['availability'], 6.5 / 8)
        self.assertAlmostEqual(result['performance'], 12.0 * 1600 / (6.5 * 3600))
        self.assertAlmostEqual(result['quality'], 1570 / 1600)
        self.assertAlmostEqual(result['oee'], result['availability'] * result['performance']
                               * result['quality'])
        self.assertEqual(list(result['downtime_by_reason']), ['Mould jam', 'Changeover'])
        # the dashboard (day x shift report) says the same
        self.env.flush_all()
        [row] = self.env['mes.oee.report'].search([('equipment_id', '=', self.mould.id),
                                                   ('day', '=', '2026-11-02')])
        self.assertEqual(row.shift, 'A')
        self.assertAlmostEqual(row.availability, 100 * result['availability'])
        self.assertAlmostEqual(row.performance, 100 * result['performance'])
        self.assertAlmostEqual(row.quality, 100 * result['quality'])
        self.assertAlmostEqual(row.oee, 100 * result['oee'])
        self.assertEqual(self.wc_molding.mes_equipment_ids, self.mould)
        # a supervisor names a downtime reason; the machine's facts stay
        from odoo.exceptions import UserError
        down = Period.search([('equipment_id', '=', self.mould.id), ('state', '=', 'down')])
        down.with_user(self.supervisor).reason = 'Mould jam (ejector pin)'
        with self.assertRaises(UserError):
            down.with_user(self.supervisor).write({'total_count': 99})


class TestOeeLib(BaseCase):

    def test_clip_and_pareto(self):
        periods = [('running', 0, 100), ('down', 100, 160, 'Jam'), ('idle', 160, 200, None)]
        result = oee.oee(periods, 50, 200, ideal_cycle_time=1.0, total_count=40, good_count=38)
        self.assertEqual((result['run_time'], result['planned_time']), (50.0, 150.0))
        self.assertAlmostEqual(result['availability'], 1 / 3)
        self.assertAlmostEqual(result['performance'], 0.8)
        self.assertAlmostEqual(result['quality'], 0.95)
        self.assertEqual(oee.pareto(result['downtime_by_reason']),
                         [('Jam', 60.0, 0.6), ('idle', 40.0, 1.0)])
        empty = oee.oee([], 0, 100, 1.0, 0, 0)
        self.assertEqual((empty['oee'], empty['quality']), (0.0, 0.0))


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestOpcuaServerAdversarial(TransactionCase):
    """Issue 9, findings 15 and 19: OPC UA connections are managed by MES administrators
    of their company only; another company sees neither the servers nor their OEE."""

    def test_f15_only_admins_manage_connections(self):
        server = self.env['mes.opcua.server'].create({
            'name': 'Line X', 'endpoint_url': 'opc.tcp://127.0.0.1:1/none'})
        operator = new_test_user(self.env, 'opc_operator', groups='mes_bridge.group_mes_operator')
        planner = new_test_user(self.env, 'opc_planner', groups='mrp.group_mrp_manager')
        for user in (operator, planner):
            for action in ('action_generate_client_certificate', 'action_test_connection',
                           'action_browse'):
                with self.subTest(user=user.login, action=action), \
                        self.assertRaises(AccessError):
                    getattr(server.with_user(user), action)()
        self.assertFalse(server.sudo().client_certificate)
        self.assertEqual(server.connection_state, 'unknown')

    def test_f19_other_company_sees_no_server_and_no_oee(self):
        server = self.env['mes.opcua.server'].create({
            'name': 'Line A', 'endpoint_url': 'opc.tcp://127.0.0.1:1/none'})
        company_b = self.env['res.company'].create({'name': 'Plant B (OPC)'})
        user_b = new_test_user(self.env, 'opc_b_admin', company_id=company_b.id,
                               company_ids=[(6, 0, company_b.ids)],
                               groups='mes_bridge.group_mes_admin')
        self.assertFalse(self.env['mes.opcua.server'].with_user(user_b).search(
            [('id', '=', server.id)]))
        with self.assertRaises(AccessError):
            server.with_user(user_b).action_test_connection()
        machine = self.env['maintenance.equipment'].create({
            'name': 'Press A', 'company_id': self.env.company.id})
        start = datetime(2026, 11, 3, 6, 0)
        self.env['mes.equipment.state.period'].create({
            'equipment_id': machine.id, 'state': 'running', 'date_start': start,
            'date_stop': start + timedelta(hours=2), 'total_count': 100, 'good_count': 99})
        self.env.flush_all()
        domain = [('equipment_id', '=', machine.id)]
        self.assertTrue(self.env['mes.oee.report'].search_count(domain))
        self.assertFalse(self.env['mes.oee.report'].with_user(user_b).search_count(domain))


@tagged('post_install', '-at_install')
class TestOeeShiftEdges(TransactionCase):
    """The OEE report clips a state period at shift changes, like lib/oee.py (issue 9)."""

    def test_period_crossing_a_shift_change_is_split(self):
        machine = self.env['maintenance.equipment'].create({
            'name': 'Press S', 'mes_ideal_cycle_time': 18.0})
        start = datetime(2026, 11, 4, 13, 0)  # shift A ends at 14:00 UTC
        Period = self.env['mes.equipment.state.period']
        Period.create([
            {'equipment_id': machine.id, 'state': 'running', 'date_start': start,
             'date_stop': start + timedelta(hours=2), 'total_count': 400, 'good_count': 380},
            # 21:30 to 06:30: crosses B->C and C->A of the next day
            {'equipment_id': machine.id, 'state': 'down', 'reason': 'Night stop',
             'date_start': start + timedelta(hours=8, minutes=30),
             'date_stop': start + timedelta(hours=17, minutes=30)},
        ])
        self.env.flush_all()
        rows = {(str(r.day), r.shift): r for r in self.env['mes.oee.report'].search(
            [('equipment_id', '=', machine.id)])}
        self.assertEqual(sorted(rows), [('2026-11-04', 'A'), ('2026-11-04', 'B'),
                                        ('2026-11-04', 'C'), ('2026-11-05', 'A')])
        a, b = rows[('2026-11-04', 'A')], rows[('2026-11-04', 'B')]
        self.assertAlmostEqual(a.run_hours, 1.0)
        self.assertAlmostEqual(b.run_hours, 1.0)
        self.assertEqual((a.total_count, a.good_count), (200, 190))
        self.assertEqual((b.total_count, b.good_count), (200, 190))
        self.assertAlmostEqual(b.downtime_hours, 0.5)
        self.assertAlmostEqual(rows[('2026-11-04', 'C')].downtime_hours, 8.0)
        self.assertAlmostEqual(rows[('2026-11-05', 'A')].downtime_hours, 0.5)
        # the same figures as the library clipping the same periods to shift A
        expected = oee.oee([('running', start, start + timedelta(hours=2))],
                           datetime(2026, 11, 4, 6), datetime(2026, 11, 4, 14), 18.0, 200, 190)
        self.assertAlmostEqual(a.performance, 100 * 18.0 * 200 / 3600)
        self.assertAlmostEqual(expected['run_time'], 3600)


@tagged('post_install', '-at_install')
class TestEquipmentAuditTabs(TransactionCase):

    def test_audited_equipment_records_show_their_history(self):
        """Qualification and calibration records are audited: their forms get the Audit
        Trail tab from the mixin (issue 9), without a view of their own for it."""
        for model in ('mes.equipment.qualification', 'mes.equipment.calibration'):
            with self.subTest(model=model):
                self.assertIn('name="mes_audit_trail"',
                              self.env[model].get_view(view_type='form')['arch'])
