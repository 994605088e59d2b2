"""The kiosk's live updates under Odoo's multi-process server, as docker compose runs it:
prefork HTTP workers plus the gevent websocket process. A tablet's websocket (its device
cookie) gets its work order back when a supervisor dispositions the blocking exception over
JSON-2 in another process; a socket without the cookie gets nothing."""
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest
import requests
import websocket
from conftest import Json2Client, _free_port, wait_for_server


@pytest.fixture(scope='module')
def prefork_server(odoo_args, odoo_db, tmp_path_factory):
    http_port, ws_port = _free_port(), _free_port()
    log_path = tmp_path_factory.mktemp('odoo_prefork') / 'server.log'
    log = open(log_path, 'w')
    # Odoo's launcher script, as in the docker image: the prefork server starts its gevent
    # process again from the command it was started with (``python -m odoo`` cannot be)
    launcher = os.path.join(os.path.dirname(sys.executable), 'odoo')
    assert os.path.exists(launcher), 'Odoo is not installed with its launcher script'
    proc = subprocess.Popen(
        [launcher, *odoo_args, '--db-filter', '^%s$' % odoo_db,
         '--http-interface', '127.0.0.1', '--http-port', str(http_port),
         '--gevent-port', str(ws_port), '--workers', '2', '--max-cron-threads', '0',
         '--limit-time-real', '600', '--limit-memory-hard', '0', '--log-level', 'warn'],
        stdout=log, stderr=subprocess.STDOUT)
    base_url = 'http://127.0.0.1:%d' % http_port
    wait_for_server(proc, base_url, log_path)
    deadline = time.time() + 60
    # the gevent process is started by the server after its workers
    while time.time() < deadline:
        try:
            socket.create_connection(('127.0.0.1', ws_port), timeout=2).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail('The websocket process did not start:\n' + log_path.read_text()[-3000:])
    yield base_url, 'ws://127.0.0.1:%d/websocket' % ws_port
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope='module')
def blocked_tablet(admin_env):
    """A paired tablet for the demo moulding work center, a released order's moulding work
    order there blocked by a critical exception."""
    def prepare(env):
        wc = env.ref('mes_bridge.wc_moulding')
        device = env['mes.kiosk.device'].create({
            'name': 'Multi-process tablet', 'workcenter_ids': [(6, 0, wc.ids)]})
        code = device.mes_new_pairing_code()['code']
        _device, token = env['mes.kiosk.device']._mes_pair(code)
        workorder = env['mrp.workorder'].search([
            ('workcenter_id', '=', wc.id), ('production_id.mes_release_date', '!=', False),
            ('state', 'in', ('ready', 'progress', 'blocked'))], limit=1)
        assert workorder, 'the demo has a released order at moulding'
        exception = env['mes.exception']._mes_raise(
            workorder, 'other', 'Hot runner alarm (multi-process test)', severity='critical')
        return {'device_id': device.id, 'token': token, 'workorder_id': workorder.id,
                'exception_id': exception.id}
    return admin_env(prepare)


def connect(ws_url, base_url, cookie):
    page = requests.get(base_url + '/mes/kiosk', cookies={'mes_kiosk_device': cookie},
                        timeout=30).text
    version = re.search(r'"websocket_worker_version": "([^"]+)"', page)
    version = version.group(1) if version else ''
    return websocket.create_connection('%s?version=%s' % (ws_url, version), timeout=30,
                                       cookie='mes_kiosk_device=%s' % cookie)


def receive(ws, seconds):
    """Notifications received within ``seconds``: [(type, payload)]."""
    received = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        ws.settimeout(max(0.1, deadline - time.time()))
        try:
            message = ws.recv()
        except websocket.WebSocketTimeoutException:
            break
        if message:
            received += [(n['message']['type'], n['message']['payload'])
                         for n in json.loads(message)]
    return received


def test_disposition_reaches_the_tablet_across_processes(prefork_server, blocked_tablet,
                                                         make_api_user, odoo_db):
    base_url, ws_url = prefork_server
    channel = 'mes_kiosk_device_%s' % blocked_tablet['device_id']
    tablet = connect(ws_url, base_url, blocked_tablet['token'])
    intruder = connect(ws_url, base_url, 'forged-token')
    for ws in (tablet, intruder):
        ws.send(json.dumps({'event_name': 'subscribe',
                            'data': {'channels': [channel], 'last': 0}}))
    time.sleep(1)  # the subscriptions are in place
    supervisor = make_api_user('kiosk_mp_supervisor', ['mes_bridge.group_mes_supervisor'])
    assert isinstance(supervisor, Json2Client)
    supervisor.call('mes.exception', 'action_disposition', ids=[blocked_tablet['exception_id']],
                    disposition='no_impact', note='Alarm sensor fault, replaced',
                    login='kiosk_mp_supervisor', password='kiosk_mp_supervisor-Secret-2026')
    got = receive(tablet, 20)
    assert ('mes_kiosk/workorders', {'ids': [blocked_tablet['workorder_id']]}) in got, got
    assert not [n for n in receive(intruder, 2) if n[0].startswith('mes_kiosk/')]
    tablet.close()
    intruder.close()
