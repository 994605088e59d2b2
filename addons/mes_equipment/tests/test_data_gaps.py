from datetime import timedelta

from odoo import fields
from odoo.addons.mes_bridge.tests.common import MesCase
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..lib import opcua_collector


@tagged('post_install', '-at_install')
class TestDataGaps(MesCase):
    """What Odoo makes of the gaps the collector records on resuming (it writes them with
    SQL, tag by tag, see lib/opcua_collector.py): one exception per hole."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.machine = cls.env['maintenance.equipment'].create({
            'name': 'Moulding machine (gap test)', 'mes_workcenter_id': cls.wc_molding.id})
        cls.server = cls.env['mes.opcua.server'].create({
            'name': 'Cell 1 PLC (gap test)', 'endpoint_url': 'opc.tcp://127.0.0.1:4999/'})
        cls.temperature, cls.pressure = cls.env['mes.opcua.tag'].create([
            {'server_id': cls.server.id, 'name': name, 'equipment_id': cls.machine.id,
             'node_id': 'ns=2;s=%s' % name, 'meaning': 'parameter'}
            for name in ('Barrel temperature', 'Injection pressure')])

    def record_gap(self, tag, start, stop):
        """What the collector does, with its own SQL."""
        self.env.flush_all()
        self.env.cr.execute(opcua_collector._INSERT_EVENT, {
            'server_id': self.server.id, 'tag_id': tag.id, 'equipment_id': self.machine.id,
            'kind': 'gap', 'date_from': start, 'date_to': stop, 'value': None, 'state': None,
            'message': 'no value'})
        self.env.invalidate_all()

    def gaps(self):
        self.env['mes.opcua.event']._mes_process_pending()
        return self.env['mes.opcua.event'].search([('server_id', '=', self.server.id),
                                                   ('kind', '=', 'gap')])

    def test_one_exception_per_hole_naming_tags_interval_and_work_orders(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        now = fields.Datetime.now()
        loss = self.env['mrp.workcenter.productivity.loss'].search(
            [('loss_type', '=', 'productive')], limit=1)
        self.env['mrp.workcenter.productivity'].create({
            'workcenter_id': self.wc_molding.id, 'workorder_id': molding.id,
            'loss_id': loss.id, 'date_start': now - timedelta(minutes=10)})
        start, stop = now - timedelta(seconds=60), now - timedelta(seconds=46)
        self.record_gap(self.temperature, start, stop)
        self.record_gap(self.pressure, start, stop + timedelta(seconds=1))
        self.record_gap(self.temperature, start, stop)  # a second collector, racing: nothing
        gaps = self.gaps()
        self.assertEqual(len(gaps), 2)
        exception = gaps.exception_id
        self.assertEqual(len(exception), 1)
        self.assertEqual((exception.kind, exception.source, exception.workorder_id),
                         ('data_gap', 'process_data', molding))
        for text in ('Barrel temperature', 'Injection pressure', molding.display_name,
                     self.server.name, '(15 s)'):
            self.assertIn(text, exception.description)
        # it crashed again before storing anything: the same gap, longer; the same exception
        self.record_gap(self.temperature, start, stop + timedelta(seconds=30))
        gaps = self.gaps()
        self.assertEqual(len(gaps), 2)
        self.assertEqual(gaps.exception_id, exception)
        self.assertEqual(gaps.filtered(lambda g: g.tag_id == self.temperature).date_to,
                         stop + timedelta(seconds=30))
        self.assertIn('(44 s)', exception.message_ids[:1].body)
        # an earlier stop of the hole never shortens it
        self.record_gap(self.temperature, start, stop)
        self.assertEqual(self.gaps().filtered(lambda g: g.tag_id == self.temperature).date_to,
                         stop + timedelta(seconds=30))
        # a later hole is another exception
        self.record_gap(self.temperature, now - timedelta(seconds=10), now)
        self.assertEqual(len(self.gaps().exception_id), 2)

    def test_gap_events_and_backfilled_values_are_written_by_the_collector_only(self):
        admin = self.env.ref('base.user_admin')
        admin.group_ids |= self.env.ref('mes_bridge.group_mes_admin')
        now = fields.Datetime.now()
        with self.assertRaises(AccessError):
            self.env['mes.opcua.event'].with_user(admin).create({
                'server_id': self.server.id, 'kind': 'gap', 'date_from': now, 'date_to': now})
        self.record_gap(self.temperature, now - timedelta(seconds=30), now)
        gap = self.gaps()
        with self.assertRaises(AccessError):
            gap.with_user(admin).write({'date_to': now - timedelta(seconds=29)})
        with self.assertRaises(AccessError):
            gap.with_user(admin).unlink()
        self.env.cr.execute(
            "INSERT INTO mes_process_value (tag_id, value, source_ts, backfilled) "
            "VALUES (%s, 231.0, %s, TRUE) RETURNING id",
            [self.temperature.id, now])
        value = self.env['mes.process.value'].browse(self.env.cr.fetchone()[0])
        with self.assertRaises(AccessError):
            value.with_user(admin).write({'backfilled': False})
        with self.assertRaises(AccessError):
            value.with_user(self.supervisor).unlink()
        self.assertTrue(value.backfilled)
