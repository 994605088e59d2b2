from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.addons.mes_equipment.lib import process_store
from odoo.addons.mes_quality.tests.test_production_record import RecordCase
from odoo.tests import tagged


@tagged('post_install', '-at_install')
class TestRecordEquipmentAndProcessData(RecordCase):
    """With mes_equipment installed the production record holds the equipment's status at
    the moment of use and a summary of the process values, and flags what deviates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        mould_class = cls.env['mes.equipment.class'].create(
            {'name': 'Injection mould (test)', 'qualification_required': False})
        cls.mould = cls.env['maintenance.equipment'].create({
            'name': 'Mould 07', 'mes_code': 'MOULD-07',
            'mes_equipment_class_id': mould_class.id})
        today = fields.Date.today()
        cls.env['mes.equipment.calibration'].create({
            'equipment_id': cls.mould.id, 'date': today - timedelta(days=40),
            'date_due': today + timedelta(days=50), 'result': 'pass'})
        server = cls.env['mes.opcua.server'].create({
            'name': 'IMM-01 (test)', 'endpoint_url': 'opc.tcp://127.0.0.1:4999'})
        cls.melt = cls.env['mes.opcua.tag'].create({
            'server_id': server.id, 'node_id': 'ns=2;s=IMM-01.Melt', 'name': 'Melt temperature',
            'equipment_id': cls.mould.id, 'has_limits': True, 'lower_limit': 220.0,
            'upper_limit': 240.0})

    def test_equipment_found_out_of_tolerance_and_process_gaps(self):
        with freeze_time(fields.Datetime.now() - timedelta(days=5)):
            production, _lot = self.make('SYR-EQ-1')
        start = production.date_start
        # (made under a frozen clock: the order took five minutes)
        production.flush_recordset()
        self.env.cr.execute('UPDATE mrp_production SET date_finished = %s WHERE id = %s',
                            [start + timedelta(minutes=5), production.id])
        production.invalidate_recordset()
        values = [231.0, 232.5, 244.0, 230.0]
        # the mould's values while it worked for the order, one after it: not the order's
        self.env['mes.process.value'].sudo().create([{
            'tag_id': self.melt.id, 'value': value,
            'source_ts': start + timedelta(seconds=offset)}
            for offset, value in zip((0, 10, 90, 100, 400), values + [250.0])])
        self.env['mes.opcua.event'].sudo().create({
            'tag_id': self.melt.id, 'equipment_id': self.mould.id, 'kind': 'gap',
            'date_from': start + timedelta(seconds=15), 'date_to': start + timedelta(
                seconds=75), 'processed': True})
        record = self.recompile(self.record_of(production))
        content = record._mes_record_content()
        equipment = content['equipment'][0]
        self.assertEqual((equipment['name'], equipment['usable']), ('Mould 07', True))
        melt = content['process_data'][0]
        self.assertEqual((melt['parameter'], melt['count'], melt['min'], melt['max']),
                         ('Melt temperature', 4, 230.0, 244.0))
        self.assertAlmostEqual(melt['mean'], 234.375)
        self.assertEqual((melt['excursions'], melt['gaps'], melt['gap_seconds']), (1, 1, 60))
        # the excursion: 244.0 from +90 s until the value back inside at +100 s
        self.assertEqual(melt['out_of_limit_seconds'], 10.0)
        self.assertEqual([(e['seconds'], e['peak']) for e in melt['excursion_list']],
                         [(10.0, 244.0)])
        kinds = record.flag_ids.mapped('kind')
        self.assertIn('process_gap', kinds)
        self.assertIn('process_excursion', kinds)
        self.assertNotIn('equipment_status', kinds)
        # today's calibration finds the mould out of tolerance: what it made before is suspect
        self.env['mes.equipment.calibration'].create({
            'equipment_id': self.mould.id, 'date': fields.Date.today(),
            'date_due': fields.Date.today() + timedelta(days=90), 'result': 'fail'})
        record = self.recompile(record)
        flag = record.flag_ids.filtered(lambda f: f.kind == 'equipment_status')
        self.assertEqual(len(flag), 1)
        self.assertIn('out of tolerance', flag.description)

    def test_process_values_stay_until_the_record_is_released(self):
        with freeze_time(fields.Datetime.now() - timedelta(days=5)):
            production, lot = self.make('SYR-EQ-2')
        start = production.date_start
        production.flush_recordset()
        self.env.cr.execute('UPDATE mrp_production SET date_finished = %s WHERE id = %s',
                            [start + timedelta(minutes=5), production.id])
        production.invalidate_recordset()
        process_store.ensure_partitions(self.env.cr, start.date(), start.date())
        self.env['mes.process.value'].sudo().create([{
            'tag_id': self.melt.id, 'value': 230.0 + offset / 100.0,
            'source_ts': start + timedelta(seconds=offset)} for offset in range(0, 240, 20)])
        retention = self.env['mes.process.retention'].create(
            {'name': 'Moulding (test)', 'raw_days': 1})
        self.melt.write({'retention_id': retention.id, 'record_critical': True})
        day = process_store.partition_name(start.date())
        record = self.record_of(production)
        self.assertNotEqual(record.state, 'released')
        # the record is under review: the day's values stay
        self.assertNotIn(day, self.env['mes.process.value']._mes_apply_retention())
        self.assertEqual(self.env['mes.process.value'].search_count(
            [('tag_id', '=', self.melt.id)]), 12)
        self.pass_final(lot)
        record = self.recompile(record)
        self.acknowledge(record)
        self.release(record)
        # released: archived (the tag is critical for the record) and dropped
        self.assertIn(day, self.env['mes.process.value']._mes_apply_retention())
        self.assertFalse(self.env['mes.process.value'].search_count(
            [('tag_id', '=', self.melt.id)]))
        archive = self.env['mes.process.archive'].search([('name', '=', day)])
        values = archive._mes_read([self.melt.id])
        self.assertEqual([value for _t, _at, value, _s, _b in values],
                         [230.0 + offset / 100.0 for offset in range(0, 240, 20)])
        # the order's summary, made again after the drop, reads the archive: the same figures
        summary = self.env['mes.process.summary'].search([('production_id', '=', production.id),
                                                          ('tag_id', '=', self.melt.id)])
        before = summary.read(['value_count', 'value_min', 'value_max', 'value_mean'])[0]
        self.assertEqual(before['value_count'], 12)
        self.env['mes.process.summary']._mes_refresh(production)
        summary.invalidate_recordset()
        after = summary.read(['value_count', 'value_min', 'value_max', 'value_mean'])[0]
        for field in ('value_count', 'value_min', 'value_max', 'value_mean'):
            self.assertAlmostEqual(after[field], before[field], places=9, msg=field)
