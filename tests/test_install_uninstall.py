"""Admins install the addons one by one, in an order the dependencies allow, and can
uninstall them without leaving tables, columns, models or menus behind."""
import os
import subprocess
import sys
import time

import pytest
from scratch_db import drop, query

# mes_part11 first: it stands on its own (depends on mail only)
MODULES = ['mes_part11', 'mes_bridge', 'mes_equipment', 'mes_quality']
PRODUCT = MODULES[1:]
GLUE = 'mes_quality_equipment'


@pytest.fixture(scope='module')
def scratch_db():
    name = 'mes_uninstall_%d_%d' % (os.getpid(), int(time.time()))
    yield name
    drop(name)


@pytest.fixture(scope='module')
def scratch_conf(tmp_path_factory, scratch_db):
    path = tmp_path_factory.mktemp('conf') / 'odoo.conf'
    lines = ['[options]', 'addons_path = %s' % os.environ['MES_ADDONS_PATH'],
             'data_dir = %s' % os.environ['MES_DATA_DIR'], 'db_name = %s' % scratch_db,
             'db_host = %s' % os.environ.get('PGHOST', '127.0.0.1'),
             'db_port = %s' % os.environ.get('PGPORT', '5432'),
             'db_user = %s' % os.environ.get('PGUSER', ''), 'http_interface = 127.0.0.1',
             'log_level = warn']
    if os.environ.get('PGPASSWORD'):
        lines.append('db_password = %s' % os.environ['PGPASSWORD'])
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def odoo(conf, command, *args):
    """``python3 -m odoo <command...> -c conf <args>``; no error may be logged."""
    result = subprocess.run([sys.executable, '-m', 'odoo', *command, '-c', conf, *args],
                            capture_output=True, text=True, timeout=900)
    errors = [line for line in (result.stdout + result.stderr).splitlines()
              if ' ERROR ' in line or ' CRITICAL ' in line]
    assert result.returncode == 0 and not errors, (result.returncode, errors,
                                                   result.stderr[-3000:])


def test_install_one_by_one_then_uninstall_cleanly(scratch_db, scratch_conf):
    for module in MODULES:
        odoo(scratch_conf, ['server'], '-i', module, '--stop-after-init', '--no-http')
    # the quality-equipment glue comes by itself once both are there
    states = dict(query(scratch_db, "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)",
                        (MODULES + [GLUE],)))
    assert states == dict.fromkeys(MODULES + [GLUE], 'installed')
    assert query(scratch_db, "SELECT count(*) FROM ir_ui_menu m JOIN ir_model_data d ON "
                 "d.res_id = m.id AND d.model = 'ir.ui.menu' WHERE d.module = ANY(%s)",
                 (MODULES,))[0][0] >= 10
    assert query(scratch_db, "SELECT to_regclass('mes_step_execution')")[0][0]

    odoo(scratch_conf, ['module', 'uninstall'], 'mes_quality', 'mes_equipment', 'mes_bridge')
    # the MES is gone, its audit trail stays (with mes_part11) and still verifies
    states = dict(query(scratch_db, "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)",
                        (MODULES + [GLUE],)))
    assert states == dict(dict.fromkeys(PRODUCT + [GLUE], 'uninstalled'), mes_part11='installed')
    entries = query(scratch_db, 'SELECT count(*) FROM mes_audit_entry')[0][0]
    assert entries > 0
    # (the addons path before the command: Odoo looks for addon commands there)
    verify = subprocess.run([sys.executable, '-m', 'odoo',
                             '--addons-path=%s' % os.environ['MES_ADDONS_PATH'],
                             'mes_audit_verify', '-c', scratch_conf, '-d', scratch_db],
                            capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert 'Audit trail intact: %d entries' % entries in verify.stdout
    assert query(scratch_db, "SELECT to_regclass('mes_step_execution')")[0][0] is None

    odoo(scratch_conf, ['module', 'uninstall'], 'mes_part11')

    states = dict(query(scratch_db, "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)",
                        (MODULES,)))
    assert states == dict.fromkeys(MODULES, 'uninstalled')
    assert query(scratch_db, "SELECT table_name FROM information_schema.tables "
                 "WHERE table_name LIKE 'mes\\_%%'") == []
    assert query(scratch_db, "SELECT table_name, column_name FROM information_schema.columns "
                 "WHERE column_name LIKE 'mes\\_%%'") == []
    assert query(scratch_db, "SELECT model FROM ir_model WHERE model LIKE 'mes.%%'") == []
    assert query(scratch_db, "SELECT name, model FROM ir_model_data WHERE module = ANY(%s)",
                 (MODULES + [GLUE],)) == []
    # Odoo's own manufacturing still works on the database after the MES is gone
    assert query(scratch_db, "SELECT state FROM ir_module_module WHERE name = 'mrp'") == [('installed',)]
