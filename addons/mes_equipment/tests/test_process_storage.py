import datetime
import random

import psycopg2

from odoo import fields
from odoo.addons.mes_bridge.tests.common import MesCase
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib import process_store

DAY = datetime.timedelta(days=1)


@tagged('post_install', '-at_install')
class TestProcessStorage(MesCase):
    """Process values in day partitions, written as the collector writes them
    (``lib/process_store.py``), read through the ORM; minute and hour aggregates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.machine = cls.env['maintenance.equipment'].create({
            'name': 'Moulding machine (storage test)', 'mes_workcenter_id': cls.wc_molding.id})
        cls.server = cls.env['mes.opcua.server'].create({
            'name': 'Cell 2 PLC (storage test)', 'endpoint_url': 'opc.tcp://127.0.0.1:4998/'})
        cls.temperature, cls.pressure = cls.env['mes.opcua.tag'].create([
            {'server_id': cls.server.id, 'name': 'Barrel temperature',
             'equipment_id': cls.machine.id, 'node_id': 'ns=2;s=T', 'meaning': 'parameter',
             'has_limits': True, 'lower_limit': 200.0, 'upper_limit': 231.0},
            {'server_id': cls.server.id, 'name': 'Injection pressure',
             'equipment_id': cls.machine.id, 'node_id': 'ns=2;s=P', 'meaning': 'parameter'}])

    def write(self, rows):
        self.env.flush_all()
        count = process_store.write_values(self.env.cr, rows)
        self.env.invalidate_all()
        return count

    def values(self, tag, start=None, stop=None):
        domain = [('tag_id', '=', tag.id)]
        if start:
            domain += [('source_ts', '>=', start), ('source_ts', '<', stop)]
        return self.env['mes.process.value'].search(domain, order='source_ts')

    def partition_of(self, tag, at):
        self.env.cr.execute('SELECT tableoid::regclass::text FROM mes_process_value_data '
                            'WHERE tag_id = %s AND source_ts = %s', [tag.id, at])
        return self.env.cr.fetchone()[0]

    def test_partitions_are_created_ahead_and_queries_span_them(self):
        created = self.env['mes.process.value']._mes_ensure_partitions(days_ahead=10)
        today = datetime.datetime.utcnow().date()
        names = {name for name, _a, _b in process_store.partitions(self.env.cr)}
        for offset in range(-1, 11):
            self.assertIn(process_store.partition_name(today + offset * DAY), names)
        # the job again creates nothing: it keeps ahead, it does not duplicate
        self.assertFalse(self.env['mes.process.value']._mes_ensure_partitions(days_ahead=10))
        self.assertIsInstance(created, list)
        # values on three days land in three partitions; one query reads them in order
        midnight = datetime.datetime.combine(today, datetime.time())
        times = [midnight - datetime.timedelta(seconds=1), midnight,
                 midnight + DAY + datetime.timedelta(hours=5)]
        self.assertEqual(self.write([(self.temperature.id, at, 210.0 + i, None, False)
                                     for i, at in enumerate(times)]), 3)
        self.assertEqual(len({self.partition_of(self.temperature, at) for at in times}), 3)
        self.assertEqual(self.partition_of(self.temperature, midnight),
                         process_store.partition_name(today))
        found = self.values(self.temperature, times[0], times[-1] + DAY)
        self.assertEqual(found.mapped('source_ts'), times)
        self.assertEqual(found.mapped('value'), [210.0, 211.0, 212.0])
        # a time-bounded query reads only the partitions of its range
        self.env.cr.execute('EXPLAIN SELECT * FROM mes_process_value WHERE tag_id = %s AND '
                            'source_ts >= %s AND source_ts < %s',
                            [self.temperature.id, midnight, midnight + DAY])
        plan = '\n'.join(row[0] for row in self.env.cr.fetchall())
        self.assertIn(process_store.partition_name(today), plan)
        self.assertNotIn(process_store.partition_name(today + DAY), plan)
        self.assertNotIn(process_store.partition_name(today - DAY), plan)

    def test_a_value_outside_the_partitions_is_kept_and_moves_when_its_day_comes(self):
        # a machine clock years off: stored (default partition), not a failed batch
        odd = datetime.datetime(2031, 5, 17, 8, 30)
        self.assertEqual(self.write([(self.pressure.id, odd, 850.0, None, False)]), 1)
        self.assertEqual(self.partition_of(self.pressure, odd), 'mes_process_value_default')
        process_store.ensure_partitions(self.env.cr, odd.date(), odd.date())
        self.assertEqual(self.partition_of(self.pressure, odd),
                         process_store.partition_name(odd.date()))
        self.assertEqual(self.values(self.pressure).mapped('value'), [850.0])

    def test_a_value_is_stored_once_whoever_sends_it_again(self):
        at = datetime.datetime.utcnow().replace(microsecond=0)
        rows = [(self.pressure.id, at + datetime.timedelta(seconds=i), 800.0 + i, None, False)
                for i in range(5)]
        self.assertEqual(self.write(rows), 5)
        # a replayed spool, a second collector, the same value twice in one batch
        self.assertEqual(self.write(rows + rows[:2] + [(self.pressure.id, at, 1.0, 'Bad',
                                                        True)]), 0)
        self.assertEqual(self.values(self.pressure).mapped('value'),
                         [800.0 + i for i in range(5)])
        # Good is the common case: not stored on every row
        self.assertEqual(set(self.values(self.pressure).mapped('status')), {False})

    def test_text_and_status_travel_as_they_came(self):
        at = datetime.datetime.utcnow().replace(microsecond=0)
        self.write([(self.pressure.id, at, None, 'BadSensorFailure', False),
                    (self.pressure.id, at + datetime.timedelta(seconds=1), 3.5,
                     'Uncertain\tLast\\Usable', True)])
        first, second = self.values(self.pressure)
        self.assertEqual((first.value, first.status), (0.0, 'BadSensorFailure'))
        self.assertEqual((second.status, second.backfilled), ('Uncertain\tLast\\Usable', True))

    def recompute(self, tag, start, stop):
        """What a minute's aggregate must be, from the raw values read through the ORM."""
        values = self.values(tag, start - datetime.timedelta(hours=2),
                             stop + datetime.timedelta(hours=2))
        expected = {}
        for index, value in enumerate(values):
            if not start <= value.source_ts < stop:
                continue
            bucket = value.source_ts.replace(second=0, microsecond=0)
            row = expected.setdefault(bucket, {'min': value.value, 'max': value.value,
                                               'sum': 0.0, 'count': 0, 'out': 0.0, 'exc': 0,
                                               'first': value.value})
            row['min'], row['max'] = min(row['min'], value.value), max(row['max'], value.value)
            row['sum'] += value.value
            row['count'] += 1
            row['last'] = value.value
            outside = tag.has_limits and not tag.lower_limit <= value.value <= tag.upper_limit
            before = values[index - 1] if index else None
            if outside and index + 1 < len(values):
                row['out'] += min((values[index + 1].source_ts - value.source_ts)
                                  .total_seconds(), process_store.HOLD_LIMIT)
            if outside and not (before and tag.has_limits and not (
                    tag.lower_limit <= before.value <= tag.upper_limit)):
                row['exc'] += 1
        return expected

    def aggregates(self, tag, resolution='minute'):
        return {a.bucket: a for a in self.env['mes.process.aggregate'].search(
            [('tag_id', '=', tag.id), ('resolution', '=', resolution)])}

    def assert_aggregates_match(self, tag, start, stop):
        expected = self.recompute(tag, start, stop)
        found = self.aggregates(tag)
        self.assertEqual(set(found), set(expected))
        for bucket, row in expected.items():
            agg = found[bucket]
            self.assertAlmostEqual(agg.value_min, row['min'], places=9)
            self.assertAlmostEqual(agg.value_max, row['max'], places=9)
            self.assertAlmostEqual(agg.value_sum, row['sum'], places=6)
            self.assertEqual(agg.value_count, row['count'])
            self.assertAlmostEqual(agg.first_value, row['first'], places=9)
            self.assertAlmostEqual(agg.last_value, row['last'], places=9)
            self.assertAlmostEqual(agg.out_of_limit_seconds, row['out'], places=3, msg=bucket)
            self.assertEqual(agg.excursion_count, row['exc'], bucket)
        hours = self.aggregates(tag, 'hour')
        for hour, agg in hours.items():
            minutes = [a for b, a in found.items() if b.replace(minute=0) == hour]
            self.assertEqual(agg.value_count, sum(a.value_count for a in minutes))
            self.assertAlmostEqual(agg.value_sum, sum(a.value_sum for a in minutes), places=6)
            self.assertEqual(agg.value_min, min(a.value_min for a in minutes))
            self.assertEqual(agg.value_max, max(a.value_max for a in minutes))
            self.assertAlmostEqual(agg.out_of_limit_seconds,
                                   sum(a.out_of_limit_seconds for a in minutes), places=3)
            self.assertEqual(agg.excursion_count, sum(a.excursion_count for a in minutes))
        self.assertEqual(set(hours), {b.replace(minute=0) for b in expected})

    def test_aggregates_equal_a_recomputation_from_raw_late_values_included(self):
        rng = random.Random(16)
        start = (datetime.datetime.utcnow() - datetime.timedelta(hours=3)).replace(
            minute=50, second=0, microsecond=0)
        times, at = [], start
        while at < start + datetime.timedelta(minutes=20):  # across an hour boundary
            times.append(at)
            at += datetime.timedelta(seconds=rng.choice([0.5, 1, 1, 2, 7.25, 30]))
        rows = [(self.temperature.id, t, 215 + 20 * rng.random() - (10 if i % 40 < 3 else 0),
                 None, False) for i, t in enumerate(times)]
        late = rows[5::9]  # arrive later: backfilled from the server's history
        self.write([row for row in rows if row not in late])
        self.env['mes.process.aggregate']._mes_refresh(settle=0)
        stop = start + datetime.timedelta(minutes=20)
        self.assert_aggregates_match(self.temperature, start, stop)
        self.write([(tag, t, v, s, True) for tag, t, v, s, _b in late])
        self.env['mes.process.aggregate']._mes_refresh(settle=0)
        self.assert_aggregates_match(self.temperature, start, stop)
        self.assertTrue(any(a.out_of_limit_seconds for a in self.aggregates(
            self.temperature).values()), 'the data has excursions to count')
        # nothing left to do: the last minute, without a next value, is older than the
        # longest hold
        self.assertEqual(self.env['mes.process.aggregate']._mes_refresh(settle=0), 0)
        self.env.cr.execute('SELECT bucket FROM mes_process_aggregate_queue WHERE tag_id = %s',
                            [self.temperature.id])
        self.assertEqual(self.env.cr.fetchall(), [])

    def test_the_last_minute_waits_for_the_next_value_for_its_hold_time(self):
        start = (datetime.datetime.utcnow() - datetime.timedelta(minutes=20)).replace(
            second=0, microsecond=0)
        self.write([(self.temperature.id, start + datetime.timedelta(seconds=10), 240.0,
                     None, False)])
        Aggregate = self.env['mes.process.aggregate']
        Aggregate._mes_refresh(settle=0)
        self.assertEqual(self.aggregates(self.temperature)[start].out_of_limit_seconds, 0)
        self.write([(self.temperature.id, start + datetime.timedelta(seconds=130), 220.0,
                     None, False)])
        # the earlier minute is looked at again once it is due (a minute later)
        self.env.cr.execute('UPDATE mes_process_aggregate_queue SET retry_after = NULL')
        Aggregate._mes_refresh(settle=0)
        self.assertEqual(self.aggregates(self.temperature)[start].out_of_limit_seconds, 120)
        self.assertEqual(self.aggregates(self.temperature)[start].excursion_count, 1)
        self.assert_aggregates_match(self.temperature, start,
                                     start + datetime.timedelta(minutes=5))

    def test_process_data_cannot_be_altered_through_the_orm(self):
        at = datetime.datetime.utcnow().replace(microsecond=0)
        self.write([(self.pressure.id, at, 850.0, None, False)])
        value = self.values(self.pressure)
        self.env['mes.process.aggregate']._mes_refresh(settle=-3600)
        aggregate = self.env['mes.process.aggregate'].search([('tag_id', '=', self.pressure.id)])
        self.assertTrue(aggregate)
        for user in (self.operator, self.supervisor, self.qa_manager):
            with self.assertRaises(AccessError):
                value.with_user(user).write({'value': 1.0})
            with self.assertRaises(AccessError):
                value.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.env['mes.process.value'].with_user(user).create(
                    {'tag_id': self.pressure.id, 'source_ts': at, 'value': 1.0})
            with self.assertRaises(AccessError):
                aggregate.with_user(user).write({'value_max': 1.0})
            with self.assertRaises(AccessError):
                aggregate.with_user(user).unlink()
            self.assertEqual(value.with_user(user).value, 850.0)
        # a tag with values cannot be deleted (the database refuses, whoever asks)
        with self.assertRaises(psycopg2.IntegrityError), mute_logger('odoo.sql_db'), \
                self.env.cr.savepoint():
            self.env.cr.execute('DELETE FROM mes_opcua_tag WHERE id = %s', [self.pressure.id])

    def test_the_work_order_of_a_value_is_the_one_running_then(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        now = fields.Datetime.now()
        loss = self.env['mrp.workcenter.productivity.loss'].search(
            [('loss_type', '=', 'productive')], limit=1)
        self.env['mrp.workcenter.productivity'].create({
            'workcenter_id': self.wc_molding.id, 'workorder_id': molding.id,
            'loss_id': loss.id, 'date_start': now - datetime.timedelta(minutes=10),
            'date_end': now - datetime.timedelta(minutes=5)})
        self.write([(self.temperature.id, now - datetime.timedelta(minutes=7), 220.0, None,
                     False),
                    (self.temperature.id, now - datetime.timedelta(minutes=2), 221.0, None,
                     False)])
        during, after = self.values(self.temperature)
        self.assertEqual((during.workorder_id, during.production_id), (molding, production))
        self.assertFalse(after.workorder_id)
