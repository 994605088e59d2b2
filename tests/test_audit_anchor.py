"""The audit chain's anchor against committed data and separate processes: the command-line
verifier an auditor runs with only the exported public key and a copy of the checkpoint log,
checkpoints written after concurrent commits, and a database dump that holds no private key.

The rewrite attack commits a rewritten chain (as a database superuser would) and puts the
original rows back afterwards, whatever the outcome."""
import os
import random
import shutil
import subprocess
import sys
import threading
import time

from odoo.addons.mes_part11.lib import anchor, integrity


def run_cli(odoo_args, *extra):
    addons = odoo_args[odoo_args.index('--addons-path') + 1]
    rest = [a for i, a in enumerate(odoo_args)
            if a != '--addons-path' and (i == 0 or odoo_args[i - 1] != '--addons-path')]
    return subprocess.run(
        [sys.executable, '-m', 'odoo', '--addons-path=%s' % addons, 'mes_audit_verify']
        + rest + list(extra), capture_output=True, text=True, timeout=300)


def paths(env):
    from odoo.addons.mes_part11.models.mes_audit_checkpoint import anchor_paths
    return anchor_paths(env.cr.dbname)


def test_cli_with_public_key_and_copied_log_detects_a_rewrite(odoo_args, admin_env, tmp_path):
    # two checkpoints around some audited changes, committed
    def checkpoint(env):
        return env['mes.audit.checkpoint']._mes_write('on_demand', 'pytest anchor').seq
    first = admin_env(checkpoint)
    for value in ('first', 'second', 'third'):
        admin_env(lambda env, value=value: env['mes.audit.entry']._mes_append([{
            'operation': 'write', 'res_model': 'res.partner', 'res_id': 1,
            'field_name': 'comment', 'new_value': value}]))
    second = admin_env(checkpoint)
    assert second > first + 1
    # the auditor's kit: the exported public key and a copy of the log, kept elsewhere
    key_path, log_path = admin_env(paths)
    public = admin_env(lambda env: env['mes.audit.key']._mes_active().public_key)
    (tmp_path / 'public.pem').write_text(public)
    shutil.copy(log_path, tmp_path / 'copy.jsonl')
    kit = ['--checkpoint-log', str(tmp_path / 'copy.jsonl'),
           '--public-key', str(tmp_path / 'public.pem')]
    result = run_cli(odoo_args, *kit)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Audit trail intact' in result.stdout

    saved = {}

    def rewrite(env):
        """Edit the entry after the first checkpoint, recompute every later link and hash
        and the head, with the product's own hashing code."""
        cr = env.cr
        cr.execute('SELECT last_seq, last_hash FROM mes_audit_head')
        saved['head'] = cr.fetchone()
        cr.execute('SELECT entry_hash FROM mes_audit_entry WHERE seq = %s', [first])
        prev = cr.fetchone()[0]
        cr.execute(integrity.VERIFY_SELECT.replace('ORDER BY seq',
                                                   'WHERE seq > %s ORDER BY seq'), [first])
        rows = cr.fetchall()
        saved['rows'] = [(row[0], row[1], row[2], row[3 + integrity.ENTRY_FIELDS.index(
            'reason')]) for row in rows]
        cr.execute('ALTER TABLE mes_audit_entry DISABLE TRIGGER '
                   'mes_audit_entry_no_update_delete')
        for index, row in enumerate(rows):
            payload = integrity.payload_of(row)
            if index == 0:
                payload['reason'] = 'backdated by a DBA'
            digest = integrity.entry_digest(prev, payload)
            cr.execute('UPDATE mes_audit_entry SET reason = %s, prev_hash = %s, '
                       'entry_hash = %s WHERE id = %s',
                       [payload['reason'], prev, digest, row[0]])
            prev = digest
        cr.execute('UPDATE mes_audit_head SET last_hash = %s WHERE id = 1', [prev])
        cr.execute('ALTER TABLE mes_audit_entry ENABLE TRIGGER '
                   'mes_audit_entry_no_update_delete')
        return rows[0][0]

    def restore(env):
        cr = env.cr
        cr.execute('ALTER TABLE mes_audit_entry DISABLE TRIGGER '
                   'mes_audit_entry_no_update_delete')
        for entry_id, prev_hash, entry_hash, reason in saved['rows']:
            cr.execute('UPDATE mes_audit_entry SET reason = %s, prev_hash = %s, '
                       'entry_hash = %s WHERE id = %s', [reason, prev_hash, entry_hash, entry_id])
        cr.execute('UPDATE mes_audit_head SET last_seq = %s, last_hash = %s WHERE id = 1',
                   list(saved['head']))
        cr.execute('ALTER TABLE mes_audit_entry ENABLE TRIGGER '
                   'mes_audit_entry_no_update_delete')

    victim = admin_env(rewrite)
    try:
        # the chain alone looks intact ...
        def chain_only(env):
            env.cr.execute(integrity.HEAD_SELECT)
            head = env.cr.fetchone()
            env.cr.execute(integrity.VERIFY_SELECT)
            return integrity.first_broken(env.cr.fetchall(), head)
        assert admin_env(chain_only) is None
        # ... the auditor's kit, without the private key, is not fooled
        moved = key_path + '.away'
        os.rename(key_path, moved)
        try:
            result = run_cli(odoo_args, *kit)
        finally:
            os.rename(moved, key_path)
        assert result.returncode == 1, result.stdout + result.stderr
        assert 'BROKEN at entry id %s' % victim in result.stdout
        assert '[chain_rewritten]' in result.stdout
        # and neither is the application's verifier
        report = admin_env(lambda env: env['mes.audit.entry'].mes_verify())
        assert [f['code'] for f in report['findings']] == ['chain_rewritten']
        assert report['findings'][0]['entry_id'] == victim
    finally:
        admin_env(restore)
    result = run_cli(odoo_args, *kit)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_reports_a_forged_log_line_and_a_wrong_public_key(odoo_args, admin_env, tmp_path):
    admin_env(lambda env: env['mes.audit.checkpoint']._mes_write('on_demand'))
    _key_path, log_path = admin_env(paths)
    db = admin_env(lambda env: env['ir.config_parameter'].get_param('database.uuid'))
    copy = tmp_path / 'copy.jsonl'
    shutil.copy(log_path, copy)
    impostor = anchor.Ed25519PrivateKey.generate()
    anchor.CheckpointLog(str(copy)).append(lambda last: [anchor.checkpoint_line(
        last, db, 1, impostor, 1, integrity.GENESIS, 'hourly')])
    result = run_cli(odoo_args, '--checkpoint-log', str(copy))
    assert result.returncode == 1, result.stdout + result.stderr
    assert '[checkpoint_forged]' in result.stdout
    (tmp_path / 'other.pem').write_text(anchor.public_pem(anchor.public_raw(impostor)))
    result = run_cli(odoo_args, '--public-key', str(tmp_path / 'other.pem'))
    assert result.returncode == 1 and '[checkpoint_forged]' in result.stdout
    result = run_cli(odoo_args, '--checkpoint-log', str(tmp_path / 'none.jsonl'))
    assert result.returncode == 2 and 'missing' in result.stdout


def test_checkpoints_after_concurrent_commits_are_whole_and_in_order(registry, admin_env):
    """Eight transactions at once each change an audited record and ask for a checkpoint (as
    a QA release does): each is written after its commit, none torn, numbered in order, and
    the whole log verifies."""
    from odoo import SUPERUSER_ID, api
    _key_path, log_path = admin_env(paths)
    admin_env(lambda env: env['mes.audit.checkpoint']._mes_write('on_demand'))
    before = len(anchor.parse(open(log_path, 'rb').read())[0])
    barrier = threading.Barrier(8)
    errors = []

    def release(index):
        try:
            for attempt in range(40):
                try:
                    with registry.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        env['mes.audit.entry']._mes_append([{
                            'operation': 'write', 'res_model': 'res.partner', 'res_id': 1,
                            'field_name': 'comment', 'new_value': 'release %s' % index}])
                        if attempt == 0:
                            barrier.wait(30)
                        env['mes.audit.checkpoint']._mes_request('qa_release',
                                                                 'REC-%s' % index)
                        cr.commit()
                    return
                except Exception as error:  # noqa: BLE001 - as Odoo retries a request
                    if 'could not serialize' not in str(error) or attempt == 39:
                        raise
                    time.sleep(random.random() / 5)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
    threads = [threading.Thread(target=release, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    lines, problems = anchor.parse(open(log_path, 'rb').read())
    assert problems == []
    assert [line['line'] for line in lines] == list(range(1, len(lines) + 1))
    written = [line for line in lines[before:] if line.get('reason') == 'qa_release']
    assert sorted(line['ref'] for line in written) == ['REC-%s' % i for i in range(8)]
    report = admin_env(lambda env: env['mes.audit.entry'].mes_verify())
    assert report['findings'] == [], report['findings']
    assert report['matched'] >= 9


def test_database_dump_holds_no_private_key(odoo_db, admin_env):
    admin_env(lambda env: env['mes.audit.checkpoint']._mes_write('on_demand'))
    key_path, _log_path = admin_env(paths)
    with open(key_path, 'rb') as handle:
        secret = b''.join(handle.read().splitlines()[1:-1])
    dump = subprocess.run(
        ['pg_dump', '--data-only', '-h', os.environ.get('PGHOST', '127.0.0.1'),
         '-p', os.environ.get('PGPORT', '5432'), '-U', os.environ.get('PGUSER', 'odoo'),
         odoo_db], capture_output=True, timeout=600,
        env=dict(os.environ, PGPASSWORD=os.environ.get('PGPASSWORD', '')))
    assert dump.returncode == 0, dump.stderr[-2000:]
    assert len(dump.stdout) > 100000
    public = admin_env(lambda env: env['mes.audit.key']._mes_active().key_id)
    assert public.encode() in dump.stdout  # the dump does hold the public side
    assert secret not in dump.stdout and secret[:24] not in dump.stdout


def test_master_record_approval_is_anchored_after_its_commit(admin_env):
    """A master record approved (signed by QA) and committed: a checkpoint with reason
    master_approval is signed into the log after the commit, never for a rolled-back one."""
    from odoo.exceptions import UserError
    _key, log_path = admin_env(paths)

    def lines():
        return anchor.parse(open(log_path, 'rb').read())[0] if os.path.exists(log_path) else []

    def draft(env, name):
        product = env['product.product'].create({'name': name, 'is_storable': True})
        return env['mrp.bom'].create({'product_tmpl_id': product.product_tmpl_id.id,
                                      'product_qty': 1}).id

    def approve(env, bom_id, fail=False):
        qa = env.ref('mes_bridge.user_qa_manager')
        bom = env['mrp.bom'].browse(bom_id).with_user(qa)
        outcome = bom.mes_sign('approved', 'qa', 'qa', 'Master record reviewed')
        assert outcome['signed'] and bom.mes_approval_state == 'approved', outcome
        if fail:
            raise UserError('the transaction fails after the approval')
        return bom.display_name

    rolled_back = admin_env(lambda env: draft(env, 'Anchor test catheter A'))
    before = len(lines())
    try:
        admin_env(lambda env: approve(env, rolled_back, fail=True))
    except UserError:
        pass
    assert len(lines()) == before, 'a rolled-back approval signs no checkpoint'
    bom_id = admin_env(lambda env: draft(env, 'Anchor test catheter B'))
    name = admin_env(lambda env: approve(env, bom_id))
    written = [line for line in lines()[before:] if line['type'] == 'checkpoint']
    assert [(line['reason'], line['ref']) for line in written] == [('master_approval', name)]
    report = admin_env(lambda env: env['mes.audit.entry'].mes_verify())
    assert report['findings'] == [], report['findings']
