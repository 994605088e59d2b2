"""The Docker set-up as an integrator runs it (no Docker engine here: its structure is checked).

Facts about the official image relied on (odoo/docker, 19.0): the entrypoint adds --db_host /
--db_port / --db_user / --db_password from HOST, PORT, USER, PASSWORD when the command is
"odoo ..."; the image runs as user odoo with ODOO_RC=/etc/odoo/odoo.conf; Odoo 19 reads any
file option from ODOO_<OPTION> environment variables (ODOO_ADMIN_PASSWD for admin_passwd).
"""
import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = 'mes_bridge,mes_quality,mes_equipment'


@pytest.fixture(scope='module')
def compose():
    with open(os.path.join(ROOT, 'docker-compose.yml'), encoding='utf-8') as f:
        return yaml.safe_load(f)


@pytest.fixture(scope='module')
def dockerfile():
    with open(os.path.join(ROOT, 'Dockerfile'), encoding='utf-8') as f:
        return f.read()


def option(command, name):
    """Value of ``--name value`` or ``--name=value`` in a command list (None when absent)."""
    for i, arg in enumerate(command):
        if arg == name:
            return command[i + 1]
        if arg.startswith(name + '='):
            return arg.split('=', 1)[1]
    return None


def test_services_and_images(compose):
    services = compose['services']
    assert set(services) == {'db', 'mes-init', 'odoo', 'nginx', 'opcua-simulator', 'opcua-collector',
                             'event-dispatcher', 'mosquitto', 'rabbitmq'}
    assert services['db']['image'].startswith('postgres:')
    assert services['mes-init']['build'] == '.'
    for name in ('mes-init', 'odoo', 'opcua-simulator', 'opcua-collector', 'event-dispatcher'):
        assert services[name]['image'] == 'mes-odoo:19.0', name
    assert services['nginx']['image'].startswith('nginx:')


def test_image_extends_the_official_one_with_our_packages(dockerfile):
    assert re.search(r'^FROM odoo:19\.0$', dockerfile, re.M)
    assert 'pip3 install --no-cache-dir --break-system-packages -r /opt/mes/requirements.txt' in dockerfile
    assert '-c /opt/mes/constraints.txt' in dockerfile  # Odoo's own pins for what it shares
    assert 'COPY requirements.txt' in dockerfile
    assert 'COPY --chown=odoo:odoo addons /mnt/extra-addons' in dockerfile
    assert re.search(r'^USER odoo$', dockerfile, re.M), 'the server must not run as root'
    assert 'HEALTHCHECK' in dockerfile
    for source in re.findall(r'^COPY (?:--\S+ )*(\S+) ', dockerfile, re.M):
        assert os.path.exists(os.path.join(ROOT, source)), source


def test_no_container_installs_packages_when_it_starts(compose):
    for name, service in compose['services'].items():
        started = ' '.join(str(part) for key in ('command', 'entrypoint')
                           for part in (service.get(key) or []))
        assert 'pip' not in started, '%s installs packages at start: %s' % (name, started)


def test_database_is_initialised_once_before_the_server(compose):
    init, odoo = compose['services']['mes-init'], compose['services']['odoo']
    assert init['command'][0] == 'odoo'  # the entrypoint's form that adds the database arguments
    assert option(init['command'], '-i') == MODULES
    assert option(init['command'], '-d') == 'mes'
    assert '--stop-after-init' in init['command']
    assert init['restart'] == 'no'
    assert init['depends_on']['db']['condition'] == 'service_healthy'
    assert odoo['depends_on']['mes-init']['condition'] == 'service_completed_successfully'
    assert option(odoo['command'], '-i') is None  # the long-running server never installs


def test_server_runs_multi_process_behind_the_websocket_route(compose):
    odoo = compose['services']['odoo']['command']
    assert int(option(odoo, '--workers')) >= 2
    assert int(option(odoo, '--max-cron-threads')) >= 1
    assert option(odoo, '--gevent-port') == '8072'
    assert '--proxy-mode' in odoo
    assert option(odoo, '--db-filter') == '^mes$$'  # $$ is compose's escaped $
    assert 'ports' not in compose['services']['odoo'], 'only the proxy is published'
    nginx = compose['services']['nginx']
    assert nginx['ports'] == ['8080:80']
    mount = './docker/nginx.conf:/etc/nginx/conf.d/default.conf:ro'
    assert mount in nginx['volumes']
    with open(os.path.join(ROOT, 'docker', 'nginx.conf'), encoding='utf-8') as f:
        conf = f.read()
    websocket = re.search(r'location /websocket \{(.*?)\}', conf, re.S).group(1)
    assert 'proxy_pass http://odoo_websocket;' in websocket
    assert 'X-Forwarded-For' in websocket and 'X-Forwarded-Proto' in websocket
    assert 'proxy_set_header Upgrade $http_upgrade;' in websocket
    assert 'server odoo:8072;' in conf and 'server odoo:8069;' in conf
    assert re.search(r'location / \{\s*proxy_pass http://odoo_http;', conf)
    assert 'X-Forwarded-Proto' in conf and 'X-Forwarded-Host' in conf


def test_healthchecks(compose):
    services = compose['services']
    assert 'pg_isready' in ' '.join(services['db']['healthcheck']['test'])
    assert services['odoo']['healthcheck']['test'] == [
        'CMD', 'mes-healthcheck', 'http://127.0.0.1:8069/web/health']
    assert '/web/health' in ' '.join(services['nginx']['healthcheck']['test'])
    assert services['nginx']['depends_on']['odoo']['condition'] == 'service_healthy'
    assert services['opcua-collector']['depends_on']['odoo']['condition'] == 'service_healthy'


def test_master_password_comes_from_the_environment(compose):
    raw = open(os.path.join(ROOT, 'docker-compose.yml'), encoding='utf-8').read()
    for name in ('mes-init', 'odoo', 'opcua-collector', 'event-dispatcher'):
        env = compose['services'][name]['environment']
        assert env['ODOO_ADMIN_PASSWD'].startswith('${ODOO_ADMIN_PASSWD:?'), name
    assert not re.search(r'admin_passwd\s*=', open(os.path.join(ROOT, 'odoo.conf')).read())
    assert 'ODOO_ADMIN_PASSWD:?' in raw  # compose refuses to start without it


def test_data_survives_containers(compose):
    assert set(compose['volumes']) == {'mes-db-data', 'mes-odoo-data'}
    assert 'mes-db-data:/var/lib/postgresql/data' in compose['services']['db']['volumes']
    for name in ('mes-init', 'odoo', 'opcua-collector', 'event-dispatcher'):
        assert 'mes-odoo-data:/var/lib/odoo' in compose['services'][name]['volumes'], name


def test_opcua_processes_share_the_server_network(compose):
    for name in ('opcua-simulator', 'opcua-collector'):
        assert compose['services'][name]['network_mode'] == 'service:odoo'
    collector = compose['services']['opcua-collector']['command']
    # odoo's CLI finds an addon's command only through an --addons-path given first
    assert collector[:3] == ['odoo', '--addons-path=/mnt/extra-addons', 'mes_opcua']
    assert os.path.exists(os.path.join(ROOT, 'addons', 'mes_equipment', 'cli', 'mes_opcua.py'))
    simulator = compose['services']['opcua-simulator']['entrypoint']
    assert simulator[1] == '/mnt/extra-addons/mes_equipment/lib/opcua_simulator.py'


def test_event_dispatcher_and_optional_brokers(compose):
    services = compose['services']
    dispatcher = services['event-dispatcher']
    assert dispatcher['command'][:3] == ['odoo', '--addons-path=/mnt/extra-addons', 'mes_events']
    assert dispatcher['depends_on']['odoo']['condition'] == 'service_healthy'
    # the brokers start only when asked for (docker compose --profile brokers up)
    assert services['mosquitto']['profiles'] == ['brokers']
    assert services['mosquitto']['image'].startswith('eclipse-mosquitto:')
    assert services['rabbitmq']['profiles'] == ['brokers']
    assert services['rabbitmq']['image'].startswith('rabbitmq:')
    # published on the host's loopback only
    for name in ('mosquitto', 'rabbitmq'):
        assert all(port.startswith('127.0.0.1:') for port in services[name]['ports']), name
