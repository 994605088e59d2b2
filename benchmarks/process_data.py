"""Process data at plant scale: ingest, storage and a one-year trend.

Ours: the collector's ingest path (``Collector.on_sample`` -> swinging door -> writer ->
``COPY`` into the day partitions, minute / hour aggregates refreshed as it goes) fed by
synthetic notifications at full rate from 2,000 tags (1 Hz source times, 5,000 s of plant
time for 10 million values), in a collector process of its own; the source waits when the
collector holds more than a batch or two (as an OPC UA server's publish queue would), so
the rate measured is what the collector sustains into the database, and nothing spools.
Latency: from the notification reaching the collector to the commit of its batch.
Then the same with two collector processes on two shards (half the tags each).

Baseline, same run, same values: today's (19.0.1.1) one-row-per-sample table with its
seven indexes and foreign keys, written with its statement (``INSERT ... SELECT ... FROM
(VALUES ...)`` with the work-order lookup per row, 1,000 rows a statement, one transaction
per 2,000-value batch), from a process of its own with the same generator.

Storage: bytes on disk (tables, indexes, TOAST) per value received: for ours the partitions,
the aggregates and their queue; for the baseline its table.

Trend: one tag with a year of 1 Hz values (stored at the density compression leaves, about
one value in ten), its aggregates built by the same refresh; then ``mes.process.value.
_mes_trend`` over the whole year (median of 7), which draws from the hour aggregates.

    python3 benchmarks/process_data.py [--values 10000000] [--tags 2000]
"""
import argparse
import asyncio
import datetime
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import psycopg2
from _odoo_bench import ROOT, addons_path, fresh_database, open_registry

DB = 'mes_bench_process'

_BASELINE_DDL = """
    DROP TABLE IF EXISTS bench_baseline_value;
    CREATE TABLE bench_baseline_value (
        id serial PRIMARY KEY,
        tag_id integer NOT NULL REFERENCES mes_opcua_tag (id) ON DELETE RESTRICT,
        equipment_id integer REFERENCES maintenance_equipment (id) ON DELETE RESTRICT,
        workorder_id integer REFERENCES mrp_workorder (id) ON DELETE SET NULL,
        production_id integer REFERENCES mrp_production (id) ON DELETE SET NULL,
        value numeric,
        source_ts timestamp NOT NULL,
        server_ts timestamp,
        written_ts timestamp,
        status varchar,
        backfilled boolean,
        CONSTRAINT bench_baseline_value_tag_time_unique UNIQUE (tag_id, source_ts));
    CREATE INDEX ON bench_baseline_value (tag_id);
    CREATE INDEX ON bench_baseline_value (equipment_id);
    CREATE INDEX ON bench_baseline_value (workorder_id);
    CREATE INDEX ON bench_baseline_value (production_id);
    CREATE INDEX ON bench_baseline_value (equipment_id, source_ts);
"""

# today's collector statement (lib/opcua_collector.py before this change), on the copy
_BASELINE_INSERT = """
    INSERT INTO bench_baseline_value (tag_id, equipment_id, workorder_id, production_id, value,
                                      source_ts, server_ts, status, backfilled, written_ts)
    SELECT v.tag_id, t.equipment_id, wp.workorder_id, wo.production_id, v.value,
           v.source_ts, v.server_ts, v.status, v.backfilled, now() at time zone 'utc'
      FROM (VALUES {rows}) AS v(tag_id, value, source_ts, server_ts, status, backfilled)
      JOIN mes_opcua_tag t ON t.id = v.tag_id
 LEFT JOIN maintenance_equipment e ON e.id = t.equipment_id
 LEFT JOIN LATERAL (
        SELECT p.workorder_id FROM mrp_workcenter_productivity p
         WHERE p.workcenter_id = e.mes_workcenter_id AND p.workorder_id IS NOT NULL
           AND p.date_start <= v.source_ts AND (p.date_end IS NULL OR p.date_end >= v.source_ts)
      ORDER BY p.date_start DESC LIMIT 1) wp ON TRUE
 LEFT JOIN mrp_workorder wo ON wo.id = wp.workorder_id
        ON CONFLICT (tag_id, source_ts) DO NOTHING
"""


def dsn():
    info = {'dbname': DB, 'host': os.environ.get('PGHOST', '127.0.0.1'),
            'port': os.environ.get('PGPORT', '5432')}
    if os.environ.get('PGUSER'):
        info['user'] = os.environ['PGUSER']
    if os.environ.get('PGPASSWORD'):
        info['password'] = os.environ['PGPASSWORD']
    return info


class Plant:
    """2,000 tags of a plant, one value per tag per second: 70% slow process values
    (temperatures, pressures: drift and a cycle with sensor noise), 20% fast ones (flows,
    vibration: noise larger than the compression error), 10% piece counters. Deterministic
    per tag, so that ours and the baseline get the same values."""

    def __init__(self, tag_ids, seed=16):
        self.tags = []
        for index, tag_id in enumerate(tag_ids):
            rng = random.Random(seed * 100003 + index)
            kind = 'slow' if index % 10 < 7 else ('fast' if index % 10 < 9 else 'counter')
            self.tags.append({'id': tag_id, 'kind': kind, 'rng': rng,
                              'base': rng.uniform(50, 250), 'phase': rng.uniform(0, 6.28),
                              'count': 0.0})

    @staticmethod
    def compression_of(index):
        kind = 'slow' if index % 10 < 7 else ('fast' if index % 10 < 9 else 'counter')
        return {'slow': 0.2, 'fast': 0.05, 'counter': 0.5}[kind]

    def value(self, tag, second):
        rng = tag['rng']
        if tag['kind'] == 'slow':
            return tag['base'] + 3 * math.sin(second / 600.0 + tag['phase']) + rng.gauss(0, 0.05)
        if tag['kind'] == 'fast':
            return tag['base'] + rng.gauss(0, 2.0)
        if rng.random() < 0.4:
            tag['count'] += 1
        return tag['count']


# -- worker processes ------------------------------------------------------------------
def worker(args):
    """One collector (``--mode ours``) or today's write path (``--mode baseline``) fed by the
    plant generator; prints one JSON line with what it measured."""
    from odoo.tools import config
    config.parse_config(['--addons-path', addons_path()])
    from odoo.addons.mes_equipment.lib.opcua_collector import Collector, Store
    tag_ids = [int(x) for x in args.tag_ids.split(',')]
    plant = Plant(tag_ids)
    start = datetime.datetime.fromisoformat(args.start)
    seconds = args.values // len(tag_ids)
    if args.mode == 'baseline':
        return baseline_worker(plant, start, seconds)
    spool = tempfile.mkdtemp(prefix='mes-bench-spool-')
    store = Store(dsn(), os.path.join(spool, 'spool.jsonl'))
    tags = {tag['id']: (server, tag) for server in store.read_config(args.shard)
            for tag in server['tags']}
    latencies = []

    class BenchCollector(Collector):
        arrived = None

        def take_batch(self, heartbeat=True):
            batch = super().take_batch(heartbeat)
            if batch is not None:
                batch['arrived'] = self.arrived or time.time()
                self.arrived = None
            return batch

        def _save(self, batch):
            result = super()._save(batch)
            latencies.append((time.time() - batch['arrived'], len(batch['samples'])))
            return result

    collector = BenchCollector(store, shard=args.shard, batch_size=5000, flush_interval=0.1,
                               max_pending=200000, aggregate_interval=5.0)

    async def feed():
        began = time.monotonic()
        for second in range(seconds):
            if args.rate:
                # a plant of that many values per second, in real time
                due = began + second * len(plant.tags) / float(args.rate)
                while time.monotonic() < due:
                    await asyncio.sleep(min(0.01, due - time.monotonic()))
            at = start + datetime.timedelta(seconds=second)
            for tag in plant.tags:
                if collector.arrived is None:
                    collector.arrived = time.time()
                server, config = tags[tag['id']]
                collector.on_sample(server, config, plant.value(tag, second), at, at, 'Good')
            # the source waits while the collector holds more than two batches
            while len(collector.samples) > 20000:
                await asyncio.sleep(0.002)
            await asyncio.sleep(0)

    async def main():
        writer = asyncio.create_task(collector.writer())
        began = time.monotonic()
        await feed()
        collector.stopping.set()
        await writer
        return time.monotonic() - began

    elapsed = asyncio.run(main())
    weights = sorted(latencies)
    total = sum(count for _l, count in weights)
    p95, seen = 0.0, 0
    for latency, count in weights:
        seen += count
        if seen >= 0.95 * total:
            p95 = latency
            break
    print(json.dumps({'values': collector.received, 'seconds': elapsed,
                      'compressed_in': collector.compress_in, 'compressed_out': collector.compress_out,
                      'stored': store.stored, 'spooled': store.spooled, 'p95': p95}),
          flush=True)


def baseline_worker(plant, start, seconds):
    conn = psycopg2.connect(**dsn())
    batch, received, latencies = [], 0, []
    began = time.monotonic()
    arrived = None

    def write(rows):
        with conn.cursor() as cr:
            for offset in range(0, len(rows), 1000):
                chunk = rows[offset:offset + 1000]
                cr.execute(_BASELINE_INSERT.format(rows=', '.join(
                    ['(%s::int, %s::float8, %s::timestamp, %s::timestamp, %s, %s::boolean)']
                    * len(chunk))), [x for row in chunk for x in row])
        conn.commit()

    for second in range(seconds):
        at = start + datetime.timedelta(seconds=second)
        text = at.isoformat(sep=' ')
        for tag in plant.tags:
            if arrived is None:
                arrived = time.time()
            batch.append((tag['id'], plant.value(tag, second), text, text, 'Good', False))
            received += 1
            if len(batch) >= 2000:
                write(batch)
                latencies.append(time.time() - arrived)
                batch, arrived = [], None
    if batch:
        write(batch)
    elapsed = time.monotonic() - began
    latencies.sort()
    print(json.dumps({'values': received, 'seconds': elapsed, 'stored': received,
                      'spooled': 0, 'p95': latencies[int(len(latencies) * 0.95)]}), flush=True)


def run_workers(specs):
    """Start the workers together; returns their JSON results."""
    processes = [subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), '--worker'] + spec,
        stdout=subprocess.PIPE, text=True, cwd=ROOT) for spec in specs]
    results = []
    for process in processes:
        out, _err = process.communicate()
        assert process.returncode == 0, out
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


# -- the benchmark ---------------------------------------------------------------------
def setup(tags, shards):
    from odoo import SUPERUSER_ID, api
    with open_registry(DB).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        equipment = env['maintenance.equipment'].create({'name': 'Bench line'})
        by_shard = {}
        per_shard = tags // len(shards)
        for shard_index, shard in enumerate(shards):
            server = env['mes.opcua.server'].create({
                'name': 'Bench %s' % shard, 'shard': shard,
                'endpoint_url': 'opc.tcp://127.0.0.1:1/%s' % shard})
            created = env['mes.opcua.tag'].create([{
                'server_id': server.id, 'name': 'Tag %05d' % index,
                'node_id': 'ns=2;s=Tag%05d' % index, 'equipment_id': equipment.id,
                'meaning': 'parameter', 'compression_error': Plant.compression_of(index),
                'compression_max_interval': 300}
                for index in range(shard_index * per_shard, (shard_index + 1) * per_shard)])
            by_shard[shard] = created.ids
        cr.commit()
        return by_shard


def sizes(cr):
    cr.execute("""
        SELECT COALESCE(sum(pg_total_relation_size(i.inhrelid)), 0)
          FROM pg_inherits i WHERE i.inhparent = 'mes_process_value_data'::regclass""")
    raw = cr.fetchone()[0]
    cr.execute("SELECT pg_total_relation_size('mes_process_aggregate'), "
               "pg_total_relation_size('mes_process_aggregate_queue'), "
               "pg_total_relation_size('bench_baseline_value')")
    aggregates, queue, baseline = cr.fetchone()
    return raw, aggregates + queue, baseline


def reset_ours(cr):
    cr.execute('TRUNCATE mes_process_value_data, mes_process_aggregate, '
               'mes_process_aggregate_queue')


def trend_year(registry, equipment_tag_server):
    """A tag with a year of values at the density compression leaves; aggregates built by
    the refresh path; the year's trend timed."""
    from odoo import SUPERUSER_ID, api
    from odoo.addons.mes_equipment.lib import process_store
    now = datetime.datetime.utcnow().replace(microsecond=0, second=0, minute=0)
    year_ago = now - datetime.timedelta(days=365)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        tag = env['mes.opcua.tag'].create({
            'server_id': equipment_tag_server[1], 'name': 'Year tag',
            'node_id': 'ns=2;s=Year', 'equipment_id': equipment_tag_server[0],
            'meaning': 'parameter', 'has_limits': True, 'lower_limit': 150,
            'upper_limit': 230})
        process_store.ensure_partitions(cr, year_ago.date(), now.date())
        began = time.monotonic()
        # 1 Hz for a year, one value in ten stored (what compression leaves of it)
        cr.execute("""
            INSERT INTO mes_process_value_data (tag_id, source_ts, value, backfilled)
            SELECT %s, ts, 200 + 20 * sin(extract(epoch FROM ts) / 3600.0)
                           + 15 * sin(extract(epoch FROM ts) / 86400.0), FALSE
              FROM generate_series(%s::timestamp, %s::timestamp, interval '10 seconds') ts
        """, [tag.id, year_ago, now])
        rows = cr.rowcount
        process_store.queue_buckets(cr, tag.id, year_ago, now)
        cr.commit()
        loaded = time.monotonic() - began
        began = time.monotonic()
        while process_store.refresh_aggregates(cr, limit=50000, settle=0):
            cr.commit()
        cr.commit()
        aggregated = time.monotonic() - began
        cr.execute("SELECT count(*) FILTER (WHERE resolution = 'hour'), "
                   "count(*) FILTER (WHERE resolution = 'minute') FROM mes_process_aggregate "
                   "WHERE tag_id = %s", [tag.id])
        hours, minutes = cr.fetchone()
        print('# year tag: %d stored values written in %.0f s, %d minute and %d hour aggregates '
              'in %.0f s' % (rows, loaded, minutes, hours, aggregated))
        times = []
        for _run in range(7):
            env.invalidate_all()
            began = time.perf_counter()
            trend = env['mes.process.value']._mes_trend([tag.id], year_ago, now)
            times.append((time.perf_counter() - began) * 1000)
        series = trend['series'][0]
        assert series['resolution'] == 'hour' and len(series['points']) >= 8700, \
            (series['resolution'], len(series['points']))
        # the raw trend of the same year, as today's table would have to serve it
        began = time.perf_counter()
        cr.execute("SELECT date_trunc('hour', source_ts), min(value), avg(value), max(value) "
                   "FROM mes_process_value WHERE tag_id = %s AND source_ts BETWEEN %s AND %s "
                   "GROUP BY 1 ORDER BY 1", [tag.id, year_ago, now])
        raw_rows = len(cr.fetchall())
        raw_ms = (time.perf_counter() - began) * 1000
        cr.rollback()
        print('# one-year trend: %d hour points, median %.0f ms (from the raw values, grouped '
              'by hour: %d points in %.0f ms)' % (len(series['points']),
                                                  statistics.median(times), raw_rows, raw_ms))
        return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--values', type=int, default=10_000_000)
    parser.add_argument('--tags', type=int, default=2000)
    parser.add_argument('--worker', action='store_true')
    parser.add_argument('--mode', default='ours')
    parser.add_argument('--shard')
    parser.add_argument('--tag-ids')
    parser.add_argument('--start')
    parser.add_argument('--skip-two', action='store_true')
    parser.add_argument('--rate', type=float, default=0.0,
                        help='worker: feed at this many values/s (default: as fast as taken)')
    parser.add_argument('--paced-rate', type=float, default=25000.0)
    parser.add_argument('--paced-seconds', type=float, default=60.0)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    fresh_database(DB, 'mes_equipment')
    by_shard = setup(args.tags, ['bench-a', 'bench-b'])
    all_ids = by_shard['bench-a'] + by_shard['bench-b']
    start = (datetime.datetime.utcnow() - datetime.timedelta(days=2)).replace(
        hour=0, minute=0, second=0, microsecond=0)
    registry = open_registry(DB)
    with registry.cursor() as cr:
        from odoo.addons.mes_equipment.lib import process_store
        process_store.ensure_partitions(cr, start.date(), start.date() + 3 * process_store.DAY)
        cr.execute(_BASELINE_DDL)
        cr.execute("UPDATE mes_opcua_server SET shard = 'bench-all' WHERE shard = 'bench-a'")
        cr.execute("UPDATE mes_opcua_server SET shard = 'bench-all' WHERE shard = 'bench-b'")
        cr.commit()
    ids = ','.join(map(str, all_ids))

    # ours: one collector, every tag
    (ours,) = run_workers([['--mode', 'ours', '--shard', 'bench-all', '--tag-ids', ids,
                            '--start', start.isoformat(), '--values', str(args.values)]])
    with registry.cursor() as cr:
        cr.execute('SELECT count(*) FROM mes_process_value_data')
        stored_rows = cr.fetchone()[0]
    # (VACUUM cannot run in a transaction: through a connection of its own)
    conn = psycopg2.connect(**dsn())
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute('VACUUM ANALYZE mes_process_value_data')
        cr.execute('VACUUM ANALYZE mes_process_aggregate')
        raw_bytes, aggregate_bytes, _b = sizes(cr)
    ours_rate = ours['values'] / ours['seconds']
    ours_per_value = (raw_bytes + aggregate_bytes) / float(ours['values'])
    print('# ours, one collector: %d values in %.1f s = %.0f values/s, p95 latency %.2f s, '
          '%d stored rows (%.1f%%), %d spooled; %.1f MB raw + %.1f MB aggregates = %.1f bytes '
          'per value received (%.1f per stored row)' % (
              ours['values'], ours['seconds'], ours_rate, ours['p95'], stored_rows,
              100.0 * stored_rows / ours['values'], ours['spooled'], raw_bytes / 1e6,
              aggregate_bytes / 1e6, ours_per_value, raw_bytes / float(max(stored_rows, 1))))

    # two collectors on two shards
    two_rate = None
    if not args.skip_two:
        with registry.cursor() as cr:
            reset_ours(cr)
            cr.execute("UPDATE mes_opcua_server SET shard = CASE WHEN name = 'Bench bench-a' "
                       "THEN 'bench-a' ELSE 'bench-b' END WHERE name LIKE 'Bench bench-%%'")
            cr.commit()
        two = run_workers([
            ['--mode', 'ours', '--shard', shard, '--tag-ids',
             ','.join(map(str, by_shard[shard])), '--start', start.isoformat(),
             '--values', str(args.values // 2)] for shard in ('bench-a', 'bench-b')])
        two_rate = sum(r['values'] for r in two) / max(r['seconds'] for r in two)
        print('# ours, two collectors on two shards: %d values in %.1f s = %.0f values/s '
              '(%.2fx one), p95 latency %.2f / %.2f s' % (
                  sum(r['values'] for r in two), max(r['seconds'] for r in two), two_rate,
                  two_rate / ours_rate, two[0]['p95'], two[1]['p95']))

    # latency at a plant's pace: one collector fed at --paced-rate values/s in real time
    with registry.cursor() as cr:
        reset_ours(cr)
        cr.execute("UPDATE mes_opcua_server SET shard = 'bench-all' WHERE name LIKE "
                   "'Bench bench-%%'")
        cr.commit()
    paced_values = int(args.paced_rate * args.paced_seconds)
    (paced,) = run_workers([['--mode', 'ours', '--shard', 'bench-all', '--tag-ids', ids,
                             '--start', start.isoformat(), '--values', str(paced_values),
                             '--rate', str(args.paced_rate)]])
    print('# ours, one collector at a plant pace of %.0f values/s: %d values in %.1f s = %.0f '
          'values/s, p95 latency %.2f s, %d spooled' % (
              args.paced_rate, paced['values'], paced['seconds'],
              paced['values'] / paced['seconds'], paced['p95'], paced['spooled']))

    # baseline: today's table and statement, same values
    (base,) = run_workers([['--mode', 'baseline', '--tag-ids', ids, '--start',
                            start.isoformat(), '--values', str(args.values)]])
    with conn.cursor() as cr:
        cr.execute('VACUUM ANALYZE bench_baseline_value')
        _r, _a, baseline_bytes = sizes(cr)
    base_rate = base['values'] / base['seconds']
    base_per_value = baseline_bytes / float(base['values'])
    print('# baseline (today\'s table): %d values in %.1f s = %.0f values/s, %.1f MB = %.1f '
          'bytes per value' % (base['values'], base['seconds'], base_rate,
                               baseline_bytes / 1e6, base_per_value))
    conn.close()

    with registry.cursor() as cr:
        cr.execute('SELECT t.equipment_id, t.server_id FROM mes_opcua_tag t LIMIT 1')
        equipment_tag_server = cr.fetchone()
    trend_ms = trend_year(registry, equipment_tag_server)

    print('RESULT name=process_data values=%d tags=%d values_per_s=%.0f p95_latency_s=%.2f '
          'paced_values_per_s=%.0f paced_p95_latency_s=%.2f '
          'two_shards_values_per_s=%s stored_fraction=%.3f bytes_per_value=%.1f '
          'baseline_values_per_s=%.0f baseline_bytes_per_value=%.1f storage_ratio=%.1f '
          'trend_year_ms=%.0f ratio=%.2f' % (
              ours['values'], args.tags, ours_rate, ours['p95'],
              paced['values'] / paced['seconds'], paced['p95'],
              '%.0f' % two_rate if two_rate else 'na', stored_rows / float(ours['values']),
              ours_per_value, base_rate, base_per_value, base_per_value / ours_per_value,
              trend_ms, ours_rate / base_rate))


if __name__ == '__main__':
    main()
