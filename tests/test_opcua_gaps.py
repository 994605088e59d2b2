"""A collector that dies (kill -9: an out-of-memory kill, a host reboot) leaves no silent hole:
on restart each tag's silence is read back from the server's history (stored as backfilled)
or recorded as one data-gap exception, once, even when it crashes again or two collectors
start at once; a graceful stop (SIGTERM) writes everything and records no gap.

Real processes: the asyncua simulator (with or without history) and ``mes_opcua``."""
import os
import signal
import subprocess
import tempfile
import time

from conftest import shard_of
from test_opcua_collector import collector_args, start_simulator, stop


def start_collector(odoo_args, tmp_path, duration=120):
    log = tempfile.TemporaryFile(mode='w+')
    process = subprocess.Popen(
        collector_args(odoo_args) + ['--duration', str(duration), '--spool-dir', str(tmp_path),
                                     '--shard', shard_of(tmp_path), '--log-level',
                                     os.environ.get('MES_COLLECTOR_LOG', 'warn')],
        stdout=log, stderr=subprocess.STDOUT, text=True)
    process.log = log
    return process


def output_of(process):
    process.wait(timeout=120)
    process.log.seek(0)
    return process.log.read()


def stored(admin_env, tag_ids):
    def read(env):
        env.cr.execute('SELECT tag_id, source_ts, backfilled FROM mes_process_value '
                       'WHERE tag_id = ANY(%s) ORDER BY tag_id, source_ts', [tag_ids])
        return env.cr.fetchall()
    return admin_env(read)


def wait_for_more(admin_env, tag_ids, than=0, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        count = len(stored(admin_env, tag_ids))
        if count > than:
            return count
        time.sleep(0.3)
    raise AssertionError('no new samples stored in %ss' % seconds)


def crash_and_restart(admin_env, odoo_args, tmp_path, line, down=4.0, collectors=1):
    """Let a collector store data for a while, kill -9 it, restart ``collectors`` after
    ``down`` seconds and let them store again; returns (the time of the kill, the restarted
    processes)."""
    first = start_collector(odoo_args, tmp_path)
    wait_for_more(admin_env, line['tag_ids'])
    time.sleep(2)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed = time.time()
    # counted after the kill: what comes next is the restarted collectors' (else a slow
    # restart could be killed again before it resumed: one longer hole, rightly, not two)
    count = len(stored(admin_env, line['tag_ids']))
    time.sleep(down)
    restarted = [start_collector(odoo_args, tmp_path) for _i in range(collectors)]
    wait_for_more(admin_env, line['tag_ids'], count + 50)
    time.sleep(3)
    return killed, restarted


def crashed_run(admin_env, odoo_args, tmp_path, line, down, *simulator_args):
    """One crash and restart against a simulator started with ``simulator_args``: the
    tag's stored rows afterwards."""
    simulator = start_simulator(line['port'], 10, *simulator_args)
    restarted = []
    try:
        _killed, restarted = crash_and_restart(admin_env, odoo_args, tmp_path, line, down=down)
    finally:
        kill(restarted)
        stop(simulator)
    return stored(admin_env, line['tag_ids'])


def gaps(admin_env, server_id):
    def read(env):
        events = env['mes.opcua.event'].search([('server_id', '=', server_id),
                                                ('kind', '=', 'gap')])
        env['mes.opcua.event']._mes_process_pending()
        return [(e.tag_id.id, e.date_from, e.date_to, e.exception_id.id) for e in events]
    return admin_env(read)


def largest_silence(rows, tag_id):
    times = [ts for tag, ts, _b in rows if tag == tag_id]
    return max((b - a).total_seconds() for a, b in zip(times, times[1:]))


def kill(processes):
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)


def test_a_killed_collector_is_backfilled_from_the_server_history(admin_env, odoo_args,
                                                                  tmp_path, line):
    rows = crashed_run(admin_env, odoo_args, tmp_path, line, 6)
    temperature = line['tag_ids'][0]
    assert any(backfilled for tag, _ts, backfilled in rows if tag == temperature)
    # no hole left: the simulator changes the temperature ten times a second
    assert largest_silence(rows, temperature) < 1.0
    assert len({(tag, ts) for tag, ts, _b in rows}) == len(rows), 'stored once'
    assert gaps(admin_env, line['server_id']) == [], 'nothing to record: all read back'


def test_a_short_history_is_read_back_and_only_the_rest_is_a_gap(admin_env, odoo_args,
                                                                 tmp_path, line):
    """The server keeps the last 20 values of each node (2 s): the restart reads those back
    and records the rest of the hole, from the last stored value to the oldest kept one."""
    rows = crashed_run(admin_env, odoo_args, tmp_path, line, 6, '--history', '20')
    temperature = line['tag_ids'][0]
    backfilled = [ts for tag, ts, filled in rows if tag == temperature and filled]
    assert 5 <= len(backfilled) <= 21, backfilled
    recorded = [(f, t) for tag, f, t, _e in gaps(admin_env, line['server_id'])
                if tag == temperature]
    assert len(recorded) == 1, recorded
    start, end = recorded[0]
    # the gap ends where the server's history begins, and the backfilled values follow it
    assert abs((min(backfilled) - end).total_seconds()) < 0.5
    assert (end - start).total_seconds() > 3
    # every other silence of the tag is a sampling interval: no hole but the recorded one
    times = [ts for tag, ts, _b in rows if tag == temperature]
    silences = [(a, b) for a, b in zip(times, times[1:]) if (b - a).total_seconds() >= 1.0]
    assert len(silences) == 1 and silences[0][0] <= start and silences[0][1] >= end, silences


def test_without_history_the_hole_is_one_gap_exception(admin_env, odoo_args, tmp_path, line):
    rows = crashed_run(admin_env, odoo_args, tmp_path, line, 5, '--history', '0')
    temperature = line['tag_ids'][0]
    assert not any(backfilled for _tag, _ts, backfilled in rows)
    recorded = gaps(admin_env, line['server_id'])
    assert {tag for tag, _f, _t, _e in recorded} >= {temperature}
    assert len({exception for _tag, _f, _t, exception in recorded}) == 1, recorded
    # the recorded interval is the hole in the stored data of the tag
    [(start, end)] = [(f, t) for tag, f, t, _e in recorded if tag == temperature]
    times = [ts for tag, ts, _b in rows if tag == temperature]
    before = max(ts for ts in times if ts <= start)
    after = min(ts for ts in times if ts > start)
    # from the last moment the dead collector was known to listen (its last stored value
    # of the tag, or the server's last message stored with a later batch) to the restart
    assert (start - before).total_seconds() < 1.5
    assert abs((after - end).total_seconds()) < 2.0
    assert (end - start).total_seconds() >= 5

    def check(env):
        exception = env['mes.exception'].browse(recorded[0][3])
        assert (exception.kind, exception.source) == ('data_gap', 'process_data')
        assert exception.workorder_id.id == line['workorder_id']
        workorder = env['mrp.workorder'].browse(line['workorder_id'])
        assert workorder.display_name in exception.description
    admin_env(check)


def test_repeated_crashes_and_two_collectors_racing_record_each_hole_once(
        admin_env, odoo_args, tmp_path, line):
    simulator = start_simulator(line['port'], 10, '--history', '0')
    collectors = []
    try:
        _killed, collectors = crash_and_restart(admin_env, odoo_args, tmp_path, line, down=3)
        count = len(stored(admin_env, line['tag_ids']))
        kill(collectors)  # the restarted one dies too
        time.sleep(3)
        collectors = [start_collector(odoo_args, tmp_path) for _i in range(2)]  # at once
        wait_for_more(admin_env, line['tag_ids'], count + 50)
        time.sleep(3)
    finally:
        kill(collectors)
        stop(simulator)
    recorded = gaps(admin_env, line['server_id'])
    temperature = line['tag_ids'][0]
    holes = sorted((f, t) for tag, f, t, _e in recorded if tag == temperature)
    assert len(holes) == 2, recorded
    assert holes[0][1] <= holes[1][0]
    assert len({exception for _tag, _f, _t, exception in recorded}) == 2, recorded


def test_sigterm_writes_everything_and_records_no_gap(admin_env, odoo_args, tmp_path, line):
    simulator = start_simulator(line['port'])
    try:
        collector = start_collector(odoo_args, tmp_path)
        wait_for_more(admin_env, line['tag_ids'])
        time.sleep(3)
        collector.send_signal(signal.SIGTERM)
        output = output_of(collector)
        assert collector.returncode == 0, output[-2000:]
        received = int(output.split('received=')[1].split()[0])
        written = int(output.split('written=')[1].split()[0])
        assert received == written > 0, output[-1000:]
        assert len(stored(admin_env, line['tag_ids'])) == received
        assert gaps(admin_env, line['server_id']) == []
    finally:
        stop(simulator)
