"""The OPC UA collector against a real asyncua server process and the real database.

Each test starts the simulator (``lib/opcua_simulator.py``) and the collector
(``python3 -m odoo ... mes_opcua``) as separate processes.
"""
import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

from conftest import shard_of
from tcp_proxy import TcpProxy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIMULATOR = os.path.join(ROOT, 'addons', 'mes_equipment', 'lib', 'opcua_simulator.py')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_simulator(port, rate=10, *extra):
    process = subprocess.Popen([sys.executable, SIMULATOR, '--port', str(port), '--rate',
                                str(rate), *extra], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    seen = []
    for _ in range(50):
        line = process.stdout.readline()
        seen.append(line)
        if 'SIMULATOR READY' in line or not line:
            break
    assert 'SIMULATOR READY' in seen[-1], ''.join(seen)
    # keep reading what it logs, so that a full pipe never blocks it
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return process


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def collector_args(odoo_args, db_port=None):
    addons = odoo_args[odoo_args.index('--addons-path') + 1]
    rest = [a for i, a in enumerate(odoo_args)
            if a != '--addons-path' and (i == 0 or odoo_args[i - 1] != '--addons-path')]
    if db_port:
        rest[rest.index('--db_port') + 1] = str(db_port)
    return [sys.executable, '-m', 'odoo', '--addons-path=%s' % addons, 'mes_opcua'] + rest


def run_collector(odoo_args, tmp_path, duration, db_port=None, during=None):
    process = subprocess.Popen(
        collector_args(odoo_args, db_port) + ['--duration', str(duration), '--spool-dir',
                                              str(tmp_path), '--shard', shard_of(tmp_path),
                                              '--log-level', 'warn'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if during:
        during()
    output, _ = process.communicate(timeout=duration + 120)
    assert process.returncode == 0, output[-3000:]
    match = re.search(r'COLLECTOR STOPPED received=(\d+) written=(\d+) stored=\d+ spooled=(\d+)',
                      output)
    assert match, output[-3000:]
    return [int(x) for x in match.groups()], output


def samples(admin_env, tag_ids):
    def read(env):
        # (the work order and production are those running then: derived when read)
        values = env['mes.process.value'].search([('tag_id', 'in', tag_ids)],
                                                 order='source_ts, id')
        return [(v.tag_id.id, v.source_ts, v.workorder_id.id, v.production_id.id, v.value)
                for v in values]
    return admin_env(read)


def test_subscription_data_lands_with_the_running_work_order(admin_env, odoo_args, tmp_path,
                                                             line):
    simulator = start_simulator(line['port'])
    try:
        (received, written, spooled), _output = run_collector(odoo_args, tmp_path, 6)
    finally:
        stop(simulator)
    rows = samples(admin_env, line['tag_ids'])
    assert received > 20 and written == received and spooled == 0
    assert len(rows) == received
    temperatures = [r for r in rows if r[0] == line['tag_ids'][0]]
    assert temperatures and all(r[2] == line['workorder_id'] and r[3] == line['production_id']
                                for r in temperatures)

    def check(env):
        # the simulated temperature swings above 231 degC: one exception per excursion
        excursions = env['mes.opcua.event'].search([
            ('tag_id', '=', line['tag_ids'][0]), ('kind', '=', 'out_of_limit')])
        exceptions = excursions.exception_id
        assert excursions and len(exceptions) == len(excursions)
        assert set(exceptions.mapped('kind')) == {'out_of_limit'}
        assert exceptions.workorder_id.id == line['workorder_id']
        assert len(excursions) < len(temperatures) / 3, 'debounced, not one per sample'
        periods = env['mes.equipment.state.period'].search([
            ('equipment_id', '=', env.ref('mes_equipment.eq_imm_01').id)])
        assert periods and periods[-1].state == 'running'
        # the machine's counters went into the running period, good never above total
        assert 20 < periods[-1].total_count and periods[-1].good_count <= periods[-1].total_count
        # the deadband (1000 bar on a ~850 bar signal) lets only the initial value through
        pressure = env['mes.process.value'].search_count([('tag_id', '=', line['tag_ids'][4])])
        assert pressure == 1, pressure
    admin_env(check)


def test_server_restart_is_recovered_with_the_gap_recorded_and_no_duplicates(
        admin_env, odoo_args, tmp_path, line):
    simulator = start_simulator(line['port'])
    state = {}

    def outage():
        # the outage starts once the collector stores data (its start-up time varies with
        # the registry it loads), so that there is data before and after the hole
        deadline = time.time() + 60
        while not samples(admin_env, line['tag_ids']) and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(2)
        stop(simulator)
        state['down'] = time.time()
        time.sleep(3)
        state['sim'] = start_simulator(line['port'])
    try:
        (received, written, spooled), output = run_collector(odoo_args, tmp_path, 25,
                                                             during=outage)
    finally:
        stop(simulator)
        if 'sim' in state:
            stop(state['sim'])
    rows = samples(admin_env, line['tag_ids'])
    keys = [(r[0], r[1]) for r in rows]
    assert len(keys) == len(set(keys)), 'a sample is stored once'
    temperatures = [r[1] for r in rows if r[0] == line['tag_ids'][0]]
    # data before and after the outage, and a hole in between
    gaps = [(b - a).total_seconds() for a, b in zip(temperatures, temperatures[1:])]
    assert max(gaps) >= 2.5, gaps
    assert temperatures[-1] - temperatures[0] >= datetime.timedelta(seconds=8)

    def check(env):
        # the restarted server's history starts with it: the hole is recorded, tag by tag
        # (the barrel temperature among them), as one exception
        gaps = env['mes.opcua.event'].search([('server_id', '=', line['server_id']),
                                              ('kind', '=', 'gap')])
        assert line['tag_ids'][0] in gaps.tag_id.ids, output[-2000:]
        gap = gaps.exception_id
        assert len(gap) == 1, output[-2000:]
        assert (gap.kind, gap.source) == ('data_gap', 'process_data')
        assert line['server_name'] in gap.description
    admin_env(check)


def test_database_outage_loses_nothing(admin_env, odoo_args, tmp_path, line):
    pg_port = int(odoo_args[odoo_args.index('--db_port') + 1])
    proxy = TcpProxy(pg_port)
    simulator = start_simulator(line['port'])

    def outage():
        time.sleep(5)
        proxy.cut()
        time.sleep(4)
        proxy.restore()
    try:
        (received, written, spooled), output = run_collector(
            odoo_args, tmp_path, 14, db_port=proxy.port, during=outage)
    finally:
        stop(simulator)
        proxy.close()
    assert spooled > 0, 'samples waited on disk during the outage:\n' + output[-2000:]
    rows = samples(admin_env, line['tag_ids'])
    assert len(rows) == received, (len(rows), received, written, spooled)
    assert not [name for name in os.listdir(tmp_path) if name.endswith('.jsonl')], \
        'the spool is empty once replayed'


def test_basic256sha256_sign_and_encrypt_with_generated_certificates(admin_env, odoo_args,
                                                                     tmp_path, line):
    """The collector connects with a generated client certificate the server trusts; a
    certificate the server does not trust is refused, and the test says so in words."""
    import base64
    secure_dir = tmp_path / 'server-pki'
    (secure_dir / 'trusted').mkdir(parents=True)

    def generate(env):
        server = env['mes.opcua.server'].browse(line['server_id'])
        server.write({'security_policy': 'Basic256Sha256', 'security_mode': 'SignAndEncrypt'})
        server.action_generate_client_certificate()
        return base64.b64decode(server.client_certificate)
    trusted_der = admin_env(generate)
    (secure_dir / 'trusted' / 'odoo-mes-collector.der').write_bytes(trusted_der)
    process = subprocess.Popen([sys.executable, SIMULATOR, '--port', str(line['port']),
                                '--rate', '10', '--secure-dir', str(secure_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(50):
            if 'SIMULATOR READY' in process.stdout.readline():
                break
        threading.Thread(target=process.stdout.read, daemon=True).start()

        def test_connection(env):
            return env['mes.opcua.server'].browse(line['server_id']).action_test_connection()
        ok = admin_env(test_connection)['params']
        assert ok['type'] == 'success', ok['message']
        assert 'Basic256Sha256 / SignAndEncrypt' in ok['message']
        (received, written, _spooled), output = run_collector(odoo_args, tmp_path, 5)
        assert received > 10 and written == received, output[-2000:]
        # the same certificate also as the session's user identity (X.509 token)
        admin_env(lambda env: env['mes.opcua.server'].browse(line['server_id']).write(
            {'auth_type': 'certificate'}))
        as_user = admin_env(test_connection)['params']
        assert as_user['type'] == 'success', as_user['message']
        # a client certificate the server never saw is refused, in words
        admin_env(lambda env: env['mes.opcua.server'].browse(
            line['server_id']).action_generate_client_certificate())
        refused = admin_env(test_connection)['params']
        assert refused['type'] == 'danger'
        assert 'certificate' in refused['message'].lower(), refused['message']
    finally:
        stop(process)


def test_browse_lists_the_variables_and_maps_them_as_tags(admin_env, line):
    simulator = start_simulator(line['port'])
    try:
        def browse(env):
            server = env['mes.opcua.server'].browse(line['server_id'])
            action = server.action_browse()
            wizard = env['mes.opcua.browse'].browse(action['res_id'])
            paths = {l.path: l for l in wizard.line_ids}
            assert {'IMM-01/BarrelTemp', 'LT-02/LeakRate', 'EO-01/ChamberTemp'} <= set(paths)
            assert paths['IMM-01/BarrelTemp'].mapped, 'mapped tags are marked'
            assert paths['IMM-01/BarrelTemp'].node_id == 'ns=2;s=IMM-01.BarrelTemp'
            paths['LT-02/LeakRate'].selected = True
            paths['LT-02/GoodCount'].selected = True
            wizard.write({'equipment_id': env.ref('mes_equipment.eq_lt_02').id,
                          'meaning': 'parameter'})
            wizard.action_add_tags()
            return sorted(server.tag_ids.mapped('node_id'))
        node_ids = admin_env(browse)
    finally:
        stop(simulator)
    assert 'ns=2;s=LT-02.LeakRate' in node_ids and 'ns=2;s=LT-02.GoodCount' in node_ids

    def unreachable(env):
        server = env['mes.opcua.server'].browse(line['server_id'])
        try:
            server.action_browse()
        except Exception as error:  # the UserError, in words
            return str(error)
    message = admin_env(unreachable)
    assert message and 'Cannot browse' in message and 'nothing listens' in message, message


def test_browse_and_test_log_in_like_the_collector(admin_env, line):
    """The browse dialog authenticates with the server's user name and password, as the
    connection test and the collector do (issue 9): a server that refuses anonymous
    sessions is browsed, and a wrong password is refused in words."""
    simulator = start_simulator(line['port'], 10, '--user', 'mes-collector:Line1-Secret')

    def configure(env, password):
        env['mes.opcua.server'].browse(line['server_id']).write({
            'auth_type': 'password', 'username': 'mes-collector', 'password': password})

    def browse(env):
        server = env['mes.opcua.server'].browse(line['server_id'])
        try:
            action = server.action_browse()
        except Exception as error:  # the UserError, in words
            return str(error)
        return sorted(l.path for l in env['mes.opcua.browse'].browse(action['res_id']).line_ids)
    try:
        admin_env(lambda env: configure(env, 'Line1-Secret'))
        paths = admin_env(browse)
        assert 'IMM-01/BarrelTemp' in paths, paths
        admin_env(lambda env: configure(env, 'wrong'))
        refused = admin_env(browse)
        assert isinstance(refused, str) and 'Cannot browse' in refused, refused
        assert 'user name or password was refused' in refused, refused
    finally:
        stop(simulator)
        admin_env(lambda env: env['mes.opcua.server'].browse(line['server_id']).write(
            {'auth_type': 'anonymous', 'username': False, 'password': False}))
