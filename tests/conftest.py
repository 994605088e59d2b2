"""Fixtures for tests that need the Odoo registry or a real running Odoo server.

They run against the throwaway database that ``scripts/mes test`` has just installed
(MES_TEST_DB); run them through that command, not on their own.
"""
import datetime
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

# test-only addons (tests/addons) hold Odoo-runner tests: not collected by pytest
collect_ignore = ["addons"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _setting(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail('%s is not set: run the suite with `make test` (scripts/mes test), which '
                    'installs the addons in a throwaway database first.' % name, pytrace=False)
    return value


@pytest.fixture(scope='session')
def odoo_db():
    return _setting('MES_TEST_DB')


@pytest.fixture(scope='session')
def odoo_args(odoo_db):
    args = ['-c', _setting('MES_ODOO_CONF'), '--addons-path', _setting('MES_ADDONS_PATH'),
            '--data-dir', _setting('MES_DATA_DIR'), '-d', odoo_db,
            '--db_host', os.environ.get('PGHOST', '127.0.0.1'),
            '--db_port', os.environ.get('PGPORT', '5432'),
            '--db_user', os.environ.get('PGUSER', 'odoo')]
    if os.environ.get('PGPASSWORD'):
        args += ['--db_password', os.environ['PGPASSWORD']]
    return args


@pytest.fixture(scope='session')
def registry(odoo_args, odoo_db):
    """The Odoo registry of the test database, in this process (commits are real)."""
    from odoo.tools import config
    config.parse_config(odoo_args)
    from odoo.modules.registry import Registry
    return Registry(odoo_db)


@pytest.fixture(scope='session')
def admin_env(registry):
    """Yields a callable running a function in its own committed transaction as superuser."""
    from odoo import SUPERUSER_ID, api

    def run(func):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            result = func(env)
            cr.commit()
            return result
    return run


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_for_server(proc, base_url, log_path, seconds=120):
    """Until the Odoo server ``proc`` answers on ``base_url`` (fails the test otherwise)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail('Odoo server exited early:\n' + log_path.read_text()[-3000:])
        try:
            if requests.get(base_url + '/web/health', timeout=5).status_code == 200:
                return
        except requests.RequestException:
            # not up yet, or slow to answer on a loaded machine (a read timeout too)
            pass
        time.sleep(0.5)
    proc.kill()
    pytest.fail('Odoo server did not answer on %s within %s s' % (base_url, seconds))


@pytest.fixture(scope='session')
def odoo_server(odoo_args, odoo_db, tmp_path_factory):
    """A real Odoo server (python3 -m odoo) on a free loopback port."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp('odoo') / 'server.log'
    log = open(log_path, 'w')
    cmd = [sys.executable, '-m', 'odoo', *odoo_args, '--db-filter', '^%s$' % odoo_db,
           '--http-interface', '127.0.0.1', '--http-port', str(port), '--workers', '0',
           '--max-cron-threads', '0', '--log-level', 'warn']
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base_url = 'http://127.0.0.1:%d' % port
    wait_for_server(proc, base_url, log_path)
    yield base_url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


class Json2Client:
    """What an outside system does: POST /json/2/<model>/<method> with an API key."""

    def __init__(self, base_url, api_key, database):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({
            'Authorization': 'bearer %s' % api_key,
            'X-Odoo-Database': database,
            'Content-Type': 'application/json; charset=utf-8',
        })

    def raw(self, model, method, **params):
        return self.session.post('%s/json/2/%s/%s' % (self.base_url, model, method),
                                 json=params, timeout=120)

    def call(self, model, method, **params):
        response = self.raw(model, method, **params)
        assert response.status_code == 200, '%s.%s -> %s %s' % (
            model, method, response.status_code, response.text[:1000])
        return response.json()


@pytest.fixture(scope='session')
def make_api_user(admin_env, odoo_server, odoo_db):
    """Creates a user in the given MES groups and returns a JSON-2 client for it."""
    def make(login, groups):
        def create(env):
            vals = {
                'name': login.replace('_', ' ').title(), 'login': login,
                'password': login + '-Secret-2026', 'email': '%s@example.com' % login,
                'group_ids': [(6, 0, [env.ref(g).id for g in groups])],
            }
            user = env['res.users'].search([('login', '=', login)])
            if user:  # a rerun on the same database (the same password: setting it again
                # would be a reset by someone else, which the user must follow up)
                vals.pop('password')
                user.write(vals)
            else:
                user = env['res.users'].create(vals)
            return env['res.users.apikeys'].with_user(user)._generate(
                None, 'pytest', datetime.datetime.now() + datetime.timedelta(days=1))
        key = admin_env(create)
        return Json2Client(odoo_server, key, odoo_db)
    return make


# -- the OPC UA collector's tests (test_opcua_collector.py, test_opcua_gaps.py) -----------
def shard_of(tmp_path):
    return 'test-%s' % (abs(hash(str(tmp_path))) % 10 ** 8)


@pytest.fixture
def line(admin_env, tmp_path):
    """Simulator server + tags for the demo moulding machine, and a running work order."""
    port = _free_port()

    def setup(env):
        equipment = env.ref('mes_equipment.eq_imm_01')
        server = env['mes.opcua.server'].create({
            'name': 'Simulator %s-%d' % (shard_of(tmp_path), port), 'shard': shard_of(tmp_path),
            'endpoint_url': 'opc.tcp://127.0.0.1:%d/mes-sim/' % port})
        tags = env['mes.opcua.tag'].create([
            {'server_id': server.id, 'name': 'Barrel temperature', 'equipment_id': equipment.id,
             'node_id': 'ns=2;s=IMM-01.BarrelTemp', 'meaning': 'parameter', 'has_limits': True,
             'lower_limit': 200, 'upper_limit': 231, 'sampling_interval': 100},
            {'server_id': server.id, 'name': 'State', 'equipment_id': equipment.id,
             'node_id': 'ns=2;s=IMM-01.State', 'meaning': 'state', 'sampling_interval': 100},
            {'server_id': server.id, 'name': 'Total', 'equipment_id': equipment.id,
             'node_id': 'ns=2;s=IMM-01.TotalCount', 'meaning': 'total_count',
             'sampling_interval': 100},
            {'server_id': server.id, 'name': 'Good', 'equipment_id': equipment.id,
             'node_id': 'ns=2;s=IMM-01.GoodCount', 'meaning': 'good_count',
             'sampling_interval': 100},
            {'server_id': server.id, 'name': 'Pressure', 'equipment_id': equipment.id,
             'node_id': 'ns=2;s=IMM-01.InjectionPressure', 'meaning': 'parameter',
             'sampling_interval': 100, 'deadband': 1000.0},
        ])
        workorder = env['mrp.workorder'].search([
            ('workcenter_id', '=', equipment.mes_workcenter_id.id),
            ('state', 'in', ('ready', 'waiting', 'pending', 'progress')),
            ('production_id.mes_release_date', '!=', False)], limit=1)
        assert workorder, 'the demo has a released order waiting at moulding'
        # (a work order paused by an earlier test is in progress with no timer running)
        started = not workorder.time_ids.filtered(lambda log: not log.date_end)
        if started:
            result = workorder.button_start()
            assert result is True or not isinstance(result, dict), result
        return {'started': started,'port': port, 'server_id': server.id, 'tag_ids': tags.ids,
                'workorder_id': workorder.id, 'production_id': workorder.production_id.id,
                'server_name': server.name}
    data = admin_env(setup)
    yield data

    def teardown(env):
        if data['started']:
            env['mrp.workorder'].browse(data['workorder_id']).button_pending()
        env['mes.opcua.server'].browse(data['server_id']).active = False
    admin_env(teardown)
