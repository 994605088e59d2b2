"""The collector's ingest path at the database (no OPC UA: synthetic notifications into
``Collector.on_sample``, as the subscription handler calls it): swinging-door compression
keeps its error bound end to end; back-pressure spools while the database cannot keep up
and loses nothing; the spool limit raises an alarm and stops listening."""
import asyncio
import datetime
import math
import random
import threading

import psycopg2
import pytest
from conftest import shard_of
from lib_loader import load

swinging_door = load('swinging_door', 'mes_equipment')


@pytest.fixture
def collector_lib(registry):
    # (a package module: imported from the addon, once the registry set the addons path)
    from odoo.addons.mes_equipment.lib import opcua_collector
    return opcua_collector


@pytest.fixture
def dsn(registry, odoo_db):
    from odoo.sql_db import connection_info_for
    _db, info = connection_info_for(odoo_db)
    info.pop('database', None)
    info['dbname'] = odoo_db
    return info


@pytest.fixture
def tags(admin_env, tmp_path):
    """A server of its own shard with a compressed temperature (limits 200-231, error 0.5)
    and an uncompressed pressure."""
    shard = shard_of(tmp_path)

    def setup(env):
        equipment = env.ref('mes_equipment.eq_imm_01')
        server = env['mes.opcua.server'].create({
            'name': 'Ingest %s' % shard, 'shard': shard,
            'endpoint_url': 'opc.tcp://127.0.0.1:1/'})
        created = env['mes.opcua.tag'].create([
            {'server_id': server.id, 'name': 'T', 'equipment_id': equipment.id,
             'node_id': 'ns=2;s=T', 'meaning': 'parameter', 'has_limits': True,
             'lower_limit': 200.0, 'upper_limit': 231.0, 'compression_error': 0.5,
             'compression_max_interval': 30},
            {'server_id': server.id, 'name': 'P', 'equipment_id': equipment.id,
             'node_id': 'ns=2;s=P', 'meaning': 'parameter'},
            # no limits given: NULL in the database
            {'server_id': server.id, 'name': 'F', 'equipment_id': equipment.id,
             'node_id': 'ns=2;s=F', 'meaning': 'parameter', 'compression_error': 0.2,
             'compression_max_interval': 300}])
        return server.id, created.ids
    server_id, tag_ids = admin_env(setup)
    yield {'shard': shard, 'server_id': server_id, 'tag_ids': tag_ids}

    def teardown(env):
        env['mes.opcua.server'].browse(server_id).active = False
    admin_env(teardown)


def collector_for(collector_lib, dsn, tmp_path, tags, **store_options):
    store = collector_lib.Store(dsn, str(tmp_path / 'spool.jsonl'), **store_options)
    (server,) = store.read_config(tags['shard'])
    return store, server


def stored(dsn, tag_id):
    with psycopg2.connect(**dsn) as conn, conn.cursor() as cr:
        cr.execute('SELECT source_ts, value, status FROM mes_process_value WHERE tag_id = %s '
                   'ORDER BY source_ts', [tag_id])
        return cr.fetchall()


def signal(count, start, seed=16):
    """A barrel temperature: a slow cycle around 225 with noise, excursions above 231 and
    a sensor fault (non-Good) in the middle."""
    rng = random.Random(seed)
    for i in range(count):
        at = start + datetime.timedelta(milliseconds=250 * i)
        value = 225 + 7 * math.sin(i / 80.0) + rng.gauss(0, 0.15)
        yield at, value, 'BadSensorFailure' if i == count // 2 else 'Good'


def test_compression_keeps_the_trend_within_the_error_of_every_reported_value(
        collector_lib, dsn, tmp_path, tags):
    store, server = collector_for(collector_lib, dsn, tmp_path, tags)
    collector = collector_lib.Collector(store)
    temperature = next(t for t in server['tags'] if t['id'] == tags['tag_ids'][0])
    start = datetime.datetime.utcnow().replace(microsecond=0) - datetime.timedelta(hours=1)
    reported = list(signal(4000, start))
    for at, value, status in reported:
        collector.on_sample(server, temperature, value, at, at, status)
        if len(collector.samples) > 500:
            collector.flush()
    collector.release_doors()
    collector.flush()
    rows = stored(dsn, temperature['id'])
    assert collector.compress_in == 4000 and collector.compress_out == len(rows)
    assert len(rows) < 4000 / 4, 'compressed: %d of 4000 stored' % len(rows)
    epoch = datetime.datetime(1970, 1, 1)
    points = [((at - epoch).total_seconds(), value) for at, value, _s in rows]
    worst = 0.0
    for at, value, _status in reported:
        rebuilt = swinging_door.rebuild(points, (at - epoch).total_seconds())
        worst = max(worst, abs(rebuilt - value))
    assert worst <= 0.5 + 1e-9, worst
    assert worst > 0.3, 'the bound is used, not just met by storing everything'
    # every limit crossing is a stored value: the excursions start and end where reported
    for (_at0, v0, _s0), (at1, v1, _s1) in zip(reported, reported[1:]):
        if (v0 > 231) != (v1 > 231):
            assert (at1, pytest.approx(v1)) in [(r[0], pytest.approx(r[1])) for r in rows]
    # a reported status that is not Good is stored as such
    assert [r[2] for r in rows if r[2]] == ['BadSensorFailure']
    # the first and the last reported values are stored
    assert rows[0][0] == reported[0][0] and rows[-1][0] == reported[-1][0]


def test_a_tag_without_limits_is_compressed_too(collector_lib, dsn, tmp_path, tags):
    store, server = collector_for(collector_lib, dsn, tmp_path, tags)
    collector = collector_lib.Collector(store)
    flow = next(t for t in server['tags'] if t['id'] == tags['tag_ids'][2])
    rng = random.Random(3)
    start = datetime.datetime.utcnow().replace(microsecond=0) - datetime.timedelta(hours=2)
    for i in range(1000):
        at = start + datetime.timedelta(seconds=i)
        collector.on_sample(server, flow, 40 + 3 * math.sin(i / 600.0) + rng.gauss(0, 0.05),
                            at, at, 'Good')
    collector.release_doors()
    collector.flush()
    rows = stored(dsn, flow['id'])
    assert 2 <= len(rows) < 50, len(rows)


def run_writer(collector, feed, seconds):
    """Run the collector's writer while ``feed`` (a coroutine) produces values."""
    async def main():
        writer = asyncio.create_task(collector.writer())
        await feed()
        collector.stopping.set()
        await writer
    asyncio.run(main())


def feeder(collector, server, tag, count, rate, start, during=None):
    async def feed():
        period = 1.0 / rate
        for i in range(count):
            at = start + datetime.timedelta(milliseconds=10 * i)
            collector.on_sample(server, tag, 800.0 + (i % 97), at, at, 'Good')
            if during and i == count // 2:
                during()
            if i % 50 == 0:
                await asyncio.sleep(period * 50)
    return feed


def test_back_pressure_spools_while_the_database_is_behind_and_loses_nothing(
        collector_lib, dsn, tmp_path, tags):
    store, server = collector_for(collector_lib, dsn, tmp_path, tags)
    collector = collector_lib.Collector(store, flush_interval=0.05, max_pending=2000,
                                        aggregate_interval=3600)
    pressure = next(t for t in server['tags'] if t['id'] == tags['tag_ids'][1])
    start = datetime.datetime.utcnow().replace(microsecond=0) - datetime.timedelta(minutes=30)
    # another session holds the table: every write waits (a database slower than the plant)
    blocker = psycopg2.connect(**dsn)
    blocker.cursor().execute('LOCK TABLE mes_process_value_data IN SHARE MODE')
    spool_seen = []
    releaser = threading.Timer(3.0, lambda: (spool_seen.append(store.spool_size()),
                                             blocker.rollback()))
    releaser.start()
    try:
        run_writer(collector, feeder(collector, server, pressure, 20000, 4000, start), 6)
    finally:
        releaser.join()
        blocker.close()
    rows = stored(dsn, pressure['id'])
    assert spool_seen and spool_seen[0] > 0, 'values went to the spool while the table was held'
    assert store.spooled > 0
    assert len(rows) == 20000, len(rows)
    assert not store.spool_pending(), 'the spool was replayed'
    assert collector.resumed.is_set() and not collector.alarmed


def test_the_spool_limit_raises_an_alarm_and_stops_listening(admin_env, collector_lib, dsn,
                                                             tmp_path, tags):
    store, server = collector_for(collector_lib, dsn, tmp_path, tags, spool_limit=150000,
                                  spool_alarm=0.5)
    collector = collector_lib.Collector(store, flush_interval=0.05, max_pending=1000,
                                        aggregate_interval=3600)
    collector.shard = tags['shard']
    pressure = next(t for t in server['tags'] if t['id'] == tags['tag_ids'][1])
    start = datetime.datetime.utcnow().replace(microsecond=0) - datetime.timedelta(minutes=20)
    blocker = psycopg2.connect(**dsn)
    blocker.cursor().execute('LOCK TABLE mes_process_value_data IN SHARE MODE')
    states = []

    def watch():
        states.append((collector.alarmed, collector.resumed.is_set(), store.spool_size()))
        blocker.rollback()
    releaser = threading.Timer(4.0, watch)
    releaser.start()
    try:
        run_writer(collector, feeder(collector, server, pressure, 12000, 4000, start), 6)
    finally:
        releaser.join()
        blocker.close()
    alarmed, listening, size = states[0]
    assert alarmed and not listening and size >= 150000, states
    # drained: listening again, every value stored
    assert collector.resumed.is_set()
    assert len(stored(dsn, pressure['id'])) == 12000

    def check(env):
        env['mes.opcua.event']._mes_process_pending()
        alarm = env['mes.opcua.event'].search([('kind', '=', 'spool'),
                                               ('message', 'ilike', tags['shard'])])
        assert len(alarm) == 1 and alarm.exception_id, alarm
        assert alarm.exception_id.kind == 'data_gap'
        assert 'cannot keep up' in alarm.exception_id.description
    admin_env(check)
