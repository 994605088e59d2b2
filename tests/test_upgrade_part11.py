"""Upgrading a database from mes_bridge 19.0.1.1.0, where the Part 11 core was part of
mes_bridge, to the release where it is its own addon (mes_part11): nothing of the audit trail,
the signatures or their configuration may be lost, duplicated or changed.

The old release is taken from this repository's own history (git), installed with demo data
(signed master record, signed steps, a few thousand audit entries), then upgraded in place."""
import os
import subprocess
import sys
import time

import pytest
from scratch_db import drop, query

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the last commit where mes_bridge carried the Part 11 core
OLD_RELEASE = '50d2ed882e679eed2fc540ab9bb0fc567d984150'


@pytest.fixture(scope='module')
def old_addons(tmp_path_factory):
    commit = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--verify', '--quiet',
                             OLD_RELEASE + '^{commit}'], capture_output=True, text=True)
    if commit.returncode:
        pytest.fail('commit %s (mes_bridge 19.0.1.1.0) is not in this clone: the upgrade test '
                    'needs the repository history (git fetch --unshallow)' % OLD_RELEASE,
                    pytrace=False)
    target = tmp_path_factory.mktemp('release_19_0_1_1_0')
    archive = subprocess.run(['git', '-C', ROOT, 'archive', OLD_RELEASE, 'addons'],
                             capture_output=True, check=True).stdout
    subprocess.run(['tar', '-x', '-C', str(target)], input=archive, check=True)
    return str(target / 'addons')


@pytest.fixture(scope='module')
def upgrade_db():
    name = 'mes_upgrade_%d_%d' % (os.getpid(), int(time.time()))
    yield name
    drop(name)


def odoo(addons_path, db, *args):
    cmd = [sys.executable, '-m', 'odoo', '--addons-path=%s' % addons_path, *args,
           '-d', db, '--data-dir', os.environ['MES_DATA_DIR'],
           '--db_host', os.environ.get('PGHOST', '127.0.0.1'),
           '--db_port', os.environ.get('PGPORT', '5432'), '--log-level=warn']
    if os.environ.get('PGUSER'):
        cmd += ['--db_user', os.environ['PGUSER']]
    if os.environ.get('PGPASSWORD'):
        cmd += ['--db_password', os.environ['PGPASSWORD']]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    errors = [line for line in (result.stdout + result.stderr).splitlines()
              if ' ERROR ' in line or ' CRITICAL ' in line]
    assert result.returncode == 0 and not errors, (result.returncode, errors,
                                                   result.stderr[-3000:])
    return result.stdout


def test_upgrade_from_mes_bridge_1_1_keeps_every_part11_record(old_addons, upgrade_db):
    ours = {os.path.realpath(os.path.join(ROOT, 'addons')),
            os.path.realpath(os.path.join(ROOT, 'tests', 'addons'))}
    odoo_paths = [p for p in os.environ['MES_ADDONS_PATH'].split(',')
                  if os.path.realpath(p) not in ours]
    old_path = ','.join(odoo_paths + [old_addons])
    new_path = ','.join(odoo_paths + [os.path.join(ROOT, 'addons')])
    odoo(old_path, upgrade_db, 'server', '-i', 'mes_bridge,mes_quality,mes_equipment',
         '--with-demo', '--stop-after-init', '--no-http')
    chain = "SELECT id, seq, entry_hash FROM mes_audit_entry ORDER BY seq"
    signatures = "SELECT id, res_model, res_id, meaning_id, signer_id, content_hash, state " \
                 "FROM mes_signature ORDER BY id"
    meanings = "SELECT id, code, name->>'en_US' FROM mes_signature_meaning ORDER BY id"
    policies = "SELECT id, model, unlock_group_id FROM mes_signature_policy ORDER BY id"
    before = {name: query(upgrade_db, sql) for name, sql in
              [('chain', chain), ('signatures', signatures), ('meanings', meanings),
               ('policies', policies)]}
    assert len(before['chain']) > 100 and len(before['signatures']) >= 3
    assert not query(upgrade_db, "SELECT 1 FROM ir_module_module WHERE name = 'mes_part11' "
                     "AND state = 'installed'")

    odoo(new_path, upgrade_db, 'server', '-u', 'mes_bridge', '--stop-after-init', '--no-http')

    states = dict(query(upgrade_db, "SELECT name, state FROM ir_module_module "
                        "WHERE name LIKE 'mes\\_%%'"))
    # the new quality-equipment glue comes with the upgrade too (mes_quality's migration)
    assert states == dict.fromkeys(['mes_part11', 'mes_bridge', 'mes_quality', 'mes_equipment',
                                    'mes_quality_equipment'], 'installed')
    after_chain = query(upgrade_db, chain)
    # every entry kept as it was (an upgrade may only append)
    assert after_chain[:len(before['chain'])] == before['chain']
    assert query(upgrade_db, signatures) == before['signatures']
    # the meanings there were are kept as they were (mes_bridge adds 'Override authorised by'
    # for the supervisor override, mes_quality 'Released for distribution' for the
    # production record)
    after_meanings = query(upgrade_db, meanings)
    assert after_meanings[:len(before['meanings'])] == before['meanings']
    assert sorted(code for _id, code, _name in after_meanings[len(before['meanings']):]) == [
        'override', 'released_distribution']
    # the policies there were are kept as they were (the upgrade adds the new addons' own)
    assert query(upgrade_db, policies)[:len(before['policies'])] == before['policies']
    # the records now belong to mes_part11, none twice, none left to mes_bridge (which
    # extends mes.signature now, the kiosk device of a signature: its own model xmlid)
    names = ('model_mes_audit_entry', 'model_mes_signature', 'meaning_approved',
             'ir_cron_mes_audit_verify', 'field_res_users__mes_sign_locked',
             'mail_activity_signing_locked')
    owners = query(upgrade_db, "SELECT name, module FROM ir_model_data WHERE name IN %s "
                   "ORDER BY name, module", [names])
    assert sorted(owners) == sorted([(name, 'mes_part11') for name in names]
                                    + [('model_mes_signature', 'mes_bridge')]), owners
    # none twice: the moved meanings and the two the upgrade adds
    assert query(upgrade_db, "SELECT count(*), count(DISTINCT code) FROM "
                             "mes_signature_meaning")[0] == (len(before['meanings']) + 2,) * 2
    assert query(upgrade_db, "SELECT m.name FROM ir_model_constraint c JOIN ir_module_module m "
                 "ON m.id = c.module WHERE c.name = 'mes_audit_entry_seq_unique'") == \
        [('mes_part11',)]
    # the chain verifies, and every signature still matches what it signed
    verify = subprocess.run([sys.executable, '-m', 'odoo', '--addons-path=%s' % new_path,
                             'mes_audit_verify', '-d', upgrade_db,
                             '--db_host', os.environ.get('PGHOST', '127.0.0.1'),
                             '--db_port', os.environ.get('PGPORT', '5432')]
                            + (['--db_user', os.environ['PGUSER']]
                               if os.environ.get('PGUSER') else []),
                            capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0 and 'Audit trail intact' in verify.stdout, verify.stdout
    shell = subprocess.run(
        [sys.executable, '-m', 'odoo', 'shell', '--addons-path=%s' % new_path, '-d', upgrade_db,
         '--data-dir', os.environ['MES_DATA_DIR'], '--no-http', '--log-level=error',
         '--db_host', os.environ.get('PGHOST', '127.0.0.1'),
         '--db_port', os.environ.get('PGPORT', '5432')]
        + (['--db_user', os.environ['PGUSER']] if os.environ.get('PGUSER') else []),
        input="print('STATUS', sorted(set(env['mes.signature'].search([]).mapped('status'))))\n"
              "print('GROUPS', env.ref('mes_bridge.user_qa_manager').has_group("
              "'mes_part11.group_part11_reviewer'))\n",
        capture_output=True, text=True, timeout=300)
    assert "STATUS ['valid']" in shell.stdout, shell.stdout + shell.stderr
    assert 'GROUPS True' in shell.stdout, shell.stdout + shell.stderr
