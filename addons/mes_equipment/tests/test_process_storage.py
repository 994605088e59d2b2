import datetime
import math
import random

import psycopg2

from odoo import fields
from odoo.addons.mes_bridge.tests.common import MesCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..lib import process_store

DAY = datetime.timedelta(days=1)


class ProcessCase(MesCase):
    """A machine with two tags and the collector's write path."""

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

    def store_values(self, rows):
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

    def mes_admin_user(self):
        return new_test_user(self.env, 'mes_admin_process', groups='mes_bridge.group_mes_admin',
                             name='Ada Admin')


@tagged('post_install', '-at_install')
class TestProcessStorage(ProcessCase):
    """Process values in day partitions, written as the collector writes them
    (``lib/process_store.py``), read through the ORM; minute and hour aggregates."""

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
        self.assertEqual(self.store_values([(self.temperature.id, at, 210.0 + i, None, False)
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
        self.assertEqual(self.store_values([(self.pressure.id, odd, 850.0, None, False)]), 1)
        self.assertEqual(self.partition_of(self.pressure, odd), 'mes_process_value_default')
        process_store.ensure_partitions(self.env.cr, odd.date(), odd.date())
        self.assertEqual(self.partition_of(self.pressure, odd),
                         process_store.partition_name(odd.date()))
        self.assertEqual(self.values(self.pressure).mapped('value'), [850.0])

    def test_a_value_is_stored_once_whoever_sends_it_again(self):
        at = datetime.datetime.utcnow().replace(microsecond=0)
        rows = [(self.pressure.id, at + datetime.timedelta(seconds=i), 800.0 + i, None, False)
                for i in range(5)]
        self.assertEqual(self.store_values(rows), 5)
        # a replayed spool, a second collector, the same value twice in one batch
        self.assertEqual(self.store_values(rows + rows[:2] + [(self.pressure.id, at, 1.0, 'Bad',
                                                        True)]), 0)
        self.assertEqual(self.values(self.pressure).mapped('value'),
                         [800.0 + i for i in range(5)])
        # Good is the common case: not stored on every row
        self.assertEqual(set(self.values(self.pressure).mapped('status')), {False})

    def test_text_and_status_travel_as_they_came(self):
        at = datetime.datetime.utcnow().replace(microsecond=0)
        self.store_values([(self.pressure.id, at, None, 'BadSensorFailure', False),
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
        self.store_values([row for row in rows if row not in late])
        self.env['mes.process.aggregate']._mes_refresh(settle=0)
        stop = start + datetime.timedelta(minutes=20)
        self.assert_aggregates_match(self.temperature, start, stop)
        self.store_values([(tag, t, v, s, True) for tag, t, v, s, _b in late])
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
        self.store_values([(self.temperature.id, start + datetime.timedelta(seconds=10), 240.0,
                     None, False)])
        Aggregate = self.env['mes.process.aggregate']
        Aggregate._mes_refresh(settle=0)
        self.assertEqual(self.aggregates(self.temperature)[start].out_of_limit_seconds, 0)
        self.store_values([(self.temperature.id, start + datetime.timedelta(seconds=130), 220.0,
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
        self.store_values([(self.pressure.id, at, 850.0, None, False)])
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
        self.store_values([(self.temperature.id, now - datetime.timedelta(minutes=7), 220.0, None,
                     False),
                    (self.temperature.id, now - datetime.timedelta(minutes=2), 221.0, None,
                     False)])
        during, after = self.values(self.temperature)
        self.assertEqual((during.workorder_id, during.production_id), (molding, production))
        self.assertFalse(after.workorder_id)


@tagged('post_install', '-at_install')
class TestTagConfigurationAudit(ProcessCase):

    def test_tag_limits_and_meanings_are_audited(self):
        """Requirements: A11-10"""
        admin = self.mes_admin_user()
        self.temperature.with_user(admin).write({'upper_limit': 240.0, 'meaning': 'alarm'})
        entries = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.opcua.tag'), ('res_id', '=', self.temperature.id),
            ('operation', '=', 'write')])
        self.assertEqual(
            sorted((e.field_name, e.old_value, e.new_value) for e in entries),
            [('meaning', 'parameter', 'alarm'), ('upper_limit', '231.0', '240.0')])
        self.assertEqual(entries.user_id, admin)
        # a tag taken out is in the trail with what it was
        tag_id = self.pressure.id
        self.pressure.with_user(admin).unlink()
        removed = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.opcua.tag'), ('res_id', '=', tag_id),
            ('operation', '=', 'unlink'), ('field_name', '=', 'node_id')])
        self.assertEqual(removed.old_value, 'ns=2;s=P')


@tagged('post_install', '-at_install')
class TestProcessRetention(ProcessCase):
    """Retention drops old day partitions but keeps what running productions need, and
    archives the values of tags critical for the record (verifiable, readable, restorable)."""

    def setUp(self):
        super().setUp()
        self.retention = self.env['mes.process.retention'].create(
            {'name': 'Process parameters (test)', 'raw_days': 30})
        (self.temperature | self.pressure).write({'retention_id': self.retention.id})
        self.temperature.record_critical = True
        self.now = datetime.datetime.utcnow().replace(microsecond=0)
        self.today = self.now.date()
        self.old = datetime.datetime.combine(self.today - 40 * DAY, datetime.time(8))
        self.held = datetime.datetime.combine(self.today - 35 * DAY, datetime.time(8))
        self.young = datetime.datetime.combine(self.today - 10 * DAY, datetime.time(8))
        process_store.ensure_partitions(self.env.cr, self.today - 41 * DAY, self.today)
        self.rows = []
        for day in (self.old, self.held, self.young):
            for i in range(50):
                at = day + datetime.timedelta(seconds=7 * i)
                self.rows.append((self.temperature.id, at, 215.0 + i / 7.0, None, i == 3))
                self.rows.append((self.pressure.id, at, 800.0 + i, 'Uncertain' if i == 4
                                  else None, False))
        self.store_values(self.rows)
        # an order that started on the 'held' day and is not finished
        self.production = self.released_production()
        self.production.flush_recordset()
        self.env.cr.execute('UPDATE mrp_production SET date_start = %s WHERE id = %s',
                            [self.held, self.production.id])
        self.production.invalidate_recordset()

    def stored_rows(self, day):
        self.env.cr.execute(
            'SELECT tag_id, source_ts, value, status, backfilled FROM mes_process_value '
            'WHERE tag_id IN %s AND source_ts >= %s AND source_ts < %s ORDER BY tag_id, '
            'source_ts', [(self.temperature.id, self.pressure.id), day, day + DAY])
        return self.env.cr.fetchall()

    def test_retention_keeps_what_records_need_and_archives_critical_tags(self):
        old_temperature = [r for r in self.stored_rows(self.old) if r[0] == self.temperature.id]
        self.assertEqual(len(old_temperature), 50)
        dropped = self.env['mes.process.value']._mes_apply_retention(self.now)
        old_name = process_store.partition_name(self.old.date())
        self.assertIn(old_name, dropped)
        self.assertNotIn(process_store.partition_name(self.held.date()), dropped)
        self.assertNotIn(process_store.partition_name(self.young.date()), dropped)
        names = {name for name, _a, _b in process_store.partitions(self.env.cr)}
        self.assertNotIn(old_name, names)
        self.assertFalse(self.stored_rows(self.old))
        self.assertEqual(len(self.stored_rows(self.held)), 100, 'kept for the open order')
        self.assertEqual(len(self.stored_rows(self.young)), 100, 'younger than the retention')
        archive = self.env['mes.process.archive'].search([('name', '=', old_name)])
        self.assertEqual((archive.row_count, archive.tag_ids), (50, self.temperature))
        self.assertTrue(archive.action_verify())
        self.assertIn(archive.sha256, self.env['mes.process.archive']._mes_manifest())
        # readable without restoring, identical to what was stored
        self.assertEqual(archive._mes_read(), [tuple(r) for r in old_temperature])
        window = archive._mes_read([self.temperature.id], self.old,
                                   self.old + datetime.timedelta(seconds=21))
        self.assertEqual([r[1] for r in window], [self.old + datetime.timedelta(seconds=s)
                                                  for s in (0, 7, 14, 21)])
        # restored: the same values in their partition again
        with self.assertRaises(UserError):
            archive.with_user(self.operator).action_restore()
        self.assertEqual(archive.with_user(self.mes_admin_user()).action_restore(), 50)
        self.assertEqual(self.stored_rows(self.old), old_temperature)
        # once the order is finished, its day goes too (archived, the rest dropped)
        self.production.flush_recordset()
        self.env.cr.execute("UPDATE mrp_production SET state = 'done', date_finished = %s "
                            "WHERE id = %s", [self.held + datetime.timedelta(hours=2),
                                              self.production.id])
        self.production.invalidate_recordset()
        dropped = self.env['mes.process.value']._mes_apply_retention(self.now)
        if 'mes_production_record_state' in self.production._fields:
            # (mes_quality installed: a finished order holds its values until its record is
            # released; mes_quality_equipment tests that)
            self.assertNotIn(process_store.partition_name(self.held.date()), dropped)
            self.env.cr.execute("UPDATE mrp_production SET state = 'cancel' WHERE id = %s",
                                [self.production.id])
            self.production.invalidate_recordset()
            dropped += self.env['mes.process.value']._mes_apply_retention(self.now)
        self.assertIn(process_store.partition_name(self.held.date()), dropped)
        # the restored day went again: its values were archived already, once
        self.assertIn(old_name, dropped)
        self.assertEqual(self.env['mes.process.archive'].search_count(
            [('name', '=like', old_name + '%')]), 1)

    def test_an_archive_changed_behind_the_application_is_refused(self):
        self.env['mes.process.value']._mes_apply_retention(self.now)
        archive = self.env['mes.process.archive'].search(
            [('name', '=', process_store.partition_name(self.old.date()))])
        attachment = archive.attachment_id.sudo()
        data = bytearray(attachment.raw)
        data[-12] ^= 0x01
        attachment.raw = bytes(data)
        with self.assertRaises(UserError):
            archive.action_verify()
        with self.assertRaises(UserError):
            archive._mes_read()
        with self.assertRaises(UserError):
            archive.with_user(self.mes_admin_user()).action_restore()

    def test_archives_and_the_manifest_cannot_be_forged_or_removed(self):
        self.env['mes.process.value']._mes_apply_retention(self.now)
        archive = self.env['mes.process.archive'].search([])[:1]
        self.assertTrue(archive)
        for user in (self.operator, self.mes_admin_user()):
            with self.assertRaises(UserError):
                archive.with_user(user).write({'sha256': '0' * 64})
            with self.assertRaises(UserError):
                archive.with_user(user).unlink()
            with self.assertRaises(UserError):
                self.env['mes.process.archive'].with_user(user).create({
                    'name': 'forged', 'date_from': self.old, 'date_to': self.old,
                    'sha256': '0' * 64})
            # the job's context key does not open the door: no one may create one
            with self.assertRaises(AccessError):
                self.env['mes.process.archive'].with_user(user).with_context(
                    mes_process_retention=True).create({
                        'name': 'forged', 'date_from': self.old, 'date_to': self.old,
                        'sha256': '0' * 64})
        self.assertEqual(archive.sha256, archive.sudo().read(['sha256'])[0]['sha256'])
        # even the superuser goes through the same rules
        with self.assertRaises(UserError):
            archive.sudo().write({'row_count': 1})
        with self.assertRaises(UserError):
            archive.sudo().unlink()

    def test_without_a_retention_class_nothing_is_dropped(self):
        self.retention.active = False
        self.assertEqual(self.env['mes.process.value']._mes_apply_retention(self.now), [])
        self.assertEqual(len(self.stored_rows(self.old)), 100)


@tagged('post_install', '-at_install')
class TestProcessStorageUpgrade(MesCase):
    """A database of 19.0.1.1 keeps one unpartitioned row per sample: the upgrade moves
    every row into the day partitions (in a schema of its own here, inside the test's
    transaction)."""

    def test_the_previous_table_is_converted_without_losing_a_value(self):
        cr = self.env.cr
        cr.execute('CREATE SCHEMA mes_upgrade_test')
        cr.execute('SET LOCAL search_path TO mes_upgrade_test')
        cr.execute("""
            CREATE TABLE mes_opcua_tag (id serial PRIMARY KEY);
            INSERT INTO mes_opcua_tag DEFAULT VALUES;
            INSERT INTO mes_opcua_tag DEFAULT VALUES;
            CREATE TABLE mes_process_value (
                id serial PRIMARY KEY,
                tag_id integer NOT NULL REFERENCES mes_opcua_tag (id) ON DELETE RESTRICT,
                equipment_id integer, workorder_id integer, production_id integer,
                value numeric, source_ts timestamp NOT NULL, server_ts timestamp,
                written_ts timestamp, status varchar, backfilled boolean,
                CONSTRAINT mes_process_value_tag_time_unique UNIQUE (tag_id, source_ts));
            CREATE INDEX mes_process_value__tag_id_index ON mes_process_value (tag_id);
            INSERT INTO mes_process_value (tag_id, value, source_ts, status, backfilled)
            SELECT 1 + (i % 2), i / 4.0, now() at time zone 'utc' - i * interval '13 minutes',
                   CASE WHEN i % 17 = 0 THEN 'BadSensorFailure' ELSE 'Good' END, i % 5 = 0
              FROM generate_series(0, 999) i;
        """)
        cr.execute('SELECT tag_id, source_ts, value::float8, NULLIF(status, \'Good\'), '
                   'backfilled FROM mes_process_value ORDER BY tag_id, source_ts')
        before = cr.fetchall()
        copied = process_store.create_storage(cr)
        self.assertEqual(copied, 1000)
        cr.execute("SELECT relkind FROM pg_class WHERE relname = 'mes_process_value' AND "
                   "relnamespace = 'mes_upgrade_test'::regnamespace")
        self.assertEqual(cr.fetchone()[0], 'v')
        cr.execute('SELECT tag_id, source_ts, value, status, backfilled FROM mes_process_value '
                   'ORDER BY tag_id, source_ts')
        self.assertEqual(cr.fetchall(), before)
        # every row is in its day's partition (nothing in the default one), 9 days of them
        cr.execute('SELECT count(*) FROM mes_process_value_default')
        self.assertEqual(cr.fetchone()[0], 0)
        self.assertGreaterEqual(len(process_store.partitions(cr)), 9)
        cr.execute("SELECT count(*) FROM pg_class WHERE relname = 'mes_process_value_legacy'")
        self.assertEqual(cr.fetchone()[0], 0)
        cr.execute('SELECT count(*) FROM mes_process_aggregate_queue')
        self.assertGreater(cr.fetchone()[0], 900, 'every minute with values is to aggregate')
        # run again (the next upgrade): nothing changes
        self.assertEqual(process_store.create_storage(cr), 0)
        cr.execute('RESET search_path')


@tagged('post_install', '-at_install')
class TestProcessSummary(ProcessCase):
    """The summary of a production per parameter: from the values of its equipment while its
    work orders ran (minute aggregates inside, raw values at the edges), equal to a
    recomputation from the raw values of those windows."""

    def test_summary_equals_a_recomputation_over_the_order_windows(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        loss = self.env['mrp.workcenter.productivity.loss'].search(
            [('loss_type', '=', 'productive')], limit=1)
        base = (datetime.datetime.utcnow() - datetime.timedelta(hours=3)).replace(
            minute=0, second=0, microsecond=0)
        windows = [(base + datetime.timedelta(seconds=17), base + datetime.timedelta(
            minutes=9, seconds=41)), (base + datetime.timedelta(minutes=30, seconds=5),
                                      base + datetime.timedelta(minutes=31, seconds=2))]
        for start, stop in windows:
            self.env['mrp.workcenter.productivity'].create({
                'workcenter_id': self.wc_molding.id, 'workorder_id': molding.id,
                'loss_id': loss.id, 'date_start': start, 'date_end': stop})
        rng = random.Random(7)
        rows = []
        for i in range(0, 50 * 60, 3):  # every 3 s for 50 minutes, before, in and after
            value = 225 + 7 * math.sin(i / 90.0) + rng.gauss(0, 0.8)
            rows.append((self.temperature.id, base + datetime.timedelta(seconds=i), value,
                         None, False))
        self.store_values(rows)
        self.env['mes.process.summary']._mes_refresh(production)
        summary = self.env['mes.process.summary'].search(
            [('production_id', '=', production.id), ('tag_id', '=', self.temperature.id)])
        self.assertEqual(len(summary), 1)
        # recomputed from the raw values: each value in a window, held until the next one
        inside = [(at, value) for _t, at, value, _s, _b in rows
                  if any(a <= at < b for a, b in windows)]
        self.assertEqual(summary.value_count, len(inside))
        self.assertAlmostEqual(summary.value_min, min(v for _a, v in inside), places=9)
        self.assertAlmostEqual(summary.value_max, max(v for _a, v in inside), places=9)
        self.assertAlmostEqual(summary.value_mean, sum(v for _a, v in inside) / len(inside),
                               places=6)
        outside = [at for at, value in inside if value > 231.0 or value < 200.0]
        self.assertTrue(outside, 'the data has excursions')
        self.assertAlmostEqual(summary.out_of_limit_seconds, 3.0 * len(outside), places=3)
        by_time = [at for _t, at, _v, _s, _b in rows]
        starts = [at for at in outside
                  if by_time.index(at) == 0 or not (
                      rows[by_time.index(at) - 1][2] > 231.0)]
        self.assertEqual(summary.excursion_count, len(starts))
        self.assertEqual([e['start'] for e in summary.excursions],
                         [fields.Datetime.to_string(at) for at in starts])
        self.assertTrue(all(e['seconds'] >= 3.0 for e in summary.excursions))
        # a value arriving late (backfilled) into a window changes the summary on refresh
        late = base + datetime.timedelta(minutes=5, seconds=1)
        self.store_values([(self.temperature.id, late, 260.0, None, True)])
        self.env['mes.process.summary']._mes_refresh(production)
        self.assertEqual(summary.value_count, len(inside) + 1)
        self.assertEqual(summary.value_max, 260.0)
        # read only for everyone
        with self.assertRaises(AccessError):
            summary.with_user(self.qa_manager).write({'value_max': 1.0})
        with self.assertRaises(AccessError):
            summary.with_user(self.qa_manager).unlink()
