#!/usr/bin/env python3
"""Audit chain verification at scale: N hash-chained entries (default 1,000,000) verified
against C signed checkpoints (default 1,000) of the chain head, with the application's
verifier, measured in one run against two baselines: a plain streaming read of the same rows
(what any verifier must at least pay) and the chain-only walk (integrity.first_broken, the
verifier before checkpoints).

Standalone: creates database ``mes_bench_audit_verify`` with mes_part11, generates a valid
chain in bulk (sealed with the addon's own integrity module, loaded with COPY), signs a
checkpoint every N/C entries into a checkpoint log in a temporary directory (with the addon's
anchor module and a fresh Ed25519 key), then times ``env['mes.audit.entry'].mes_verify()``,
the method behind the menu, the cron and (the same walk) the CLI. Finally it rewrites the
chain the way a database superuser can (one entry changed, every later hash and the head
recomputed) and checks that the verifier names the first entry after the last good checkpoint.

    python3 benchmarks/audit_verify.py [--entries 1000000] [--checkpoints 1000]

Targets: issue 3, 1,000,000 entries in under 60 s; issue 17, against 1,000 checkpoints in
under 10 s (2-core machine).
"""
import argparse
import io
import os
import shutil
import tempfile
import time

from _odoo_bench import fresh_database, open_registry

DB = 'mes_bench_audit_verify'
COLUMNS = ('seq', 'prev_hash', 'entry_hash', 'operation', 'res_model', 'res_id', 'field_name',
           'old_value', 'new_value', 'old_display', 'new_display', 'user_id', 'user_name',
           'company_id', 'timestamp', 'reason', 'origin')


def copy_value(value):
    if value is None:
        return '\\N'
    return str(value).replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--entries', type=int, default=1_000_000)
    parser.add_argument('--checkpoints', type=int, default=1_000)
    args = parser.parse_args()

    fresh_database(DB, 'mes_part11')
    registry = open_registry(DB)
    from odoo import SUPERUSER_ID, api
    from odoo.addons.mes_part11.lib import anchor, integrity
    from odoo.tools import config

    anchor_dir = tempfile.mkdtemp(prefix='mes_bench_anchor_')
    config['mes_audit_key_file'] = os.path.join(anchor_dir, 'key.pem')
    config['mes_audit_checkpoint_log'] = os.path.join(anchor_dir, 'checkpoints.jsonl')

    start = time.monotonic()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        head_seq, head_hash = env['mes.audit.head']._mes_lock()
        states = ['quarantine', 'released', 'on_hold', 'rejected']
        batch = 100_000
        made = 0
        while made < args.entries:
            count = min(batch, args.entries - made)
            entries = []
            for i in range(made, made + count):
                old, new = states[i % 4], states[(i + 1) % 4]
                entries.append({
                    'operation': 'write', 'res_model': 'stock.lot', 'res_id': 1 + i // 7,
                    'field_name': 'mes_release_state', 'old_value': old, 'new_value': new,
                    'old_display': old.replace('_', ' ').title(),
                    'new_display': new.replace('_', ' ').title(),
                    'user_id': 2, 'user_name': 'Mitchell Admin', 'company_id': 1,
                    'timestamp': '2026-%02d-%02d %02d:%02d:%02d' % (
                        1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60),
                    'reason': 'Incoming inspection IQC-%d' % i if i % 3 == 0 else None,
                    'origin': ('ui', 'json2', 'kiosk', 'cron')[i % 4],
                })
            head_seq, head_hash = integrity.seal(entries, head_seq, head_hash)
            data = io.StringIO()
            for entry in entries:
                data.write('\t'.join(copy_value(entry[c]) for c in COLUMNS))
                data.write('\n')
            data.seek(0)
            cr._obj.copy_expert('COPY mes_audit_entry (%s) FROM STDIN' % ', '.join(COLUMNS),
                                data)
            made += count
        cr.execute('UPDATE mes_audit_head SET last_seq = %s, last_hash = %s WHERE id = 1',
                   [head_seq, head_hash])
        cr.commit()
        cr.execute('ANALYZE mes_audit_entry')
        cr.execute('SELECT count(*) FROM mes_audit_entry')
        total = cr.fetchone()[0]
    print('# %d entries generated and loaded in %.0f s' % (total, time.monotonic() - start))

    # a checkpoint every entries / checkpoints entries, signed like the application does
    start = time.monotonic()
    every = max(1, total // args.checkpoints)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        db = env['ir.config_parameter'].get_param('database.uuid')
        cr.execute('SELECT seq, entry_hash FROM mes_audit_entry WHERE seq %% %s = 0 '
                   'ORDER BY seq', [every])
        anchored = cr.fetchall()
    key = anchor.write_new_key(config['mes_audit_key_file'])

    def make_lines(last):
        lines = [anchor.key_line(last, db, 1, key, reason='benchmark')]
        for seq, digest in anchored:
            lines.append(anchor.checkpoint_line(anchor.after(lines[-1]), db, 1, key, seq,
                                                digest, 'hourly'))
        return lines
    anchor.CheckpointLog(config['mes_audit_checkpoint_log']).append(make_lines)
    print('# %d checkpoints signed into the log in %.1f s' % (len(anchored),
                                                             time.monotonic() - start))

    with registry.cursor() as cr:
        # baseline 1: stream the same rows, same query and cursor settings, no hashing
        start = time.monotonic()
        with cr._cnx.cursor('bench_scan') as stream:
            stream.itersize = 20000
            stream.execute(integrity.VERIFY_SELECT)
            scanned = sum(1 for _row in stream)
        scan_s = time.monotonic() - start
        print('# baseline: streamed %d rows in %.1f s' % (scanned, scan_s))
        # baseline 2: the chain alone (no checkpoints)
        start = time.monotonic()
        chain_broken, _count = integrity.verify_database(cr._cnx)
        chain_s = time.monotonic() - start
        assert chain_broken is None
        print('# chain only (integrity.verify_database): %.1f s' % chain_s)

        env = api.Environment(cr, SUPERUSER_ID, {})
        start = time.monotonic()
        report = env['mes.audit.entry'].mes_verify()
        verify_s = time.monotonic() - start
        assert report['findings'] == [], report['findings']
        assert report['matched'] == len(anchored), report
        print('# mes_verify(): intact, %d entries against %d signed checkpoints in %.1f s'
              % (report['entries'], report['matched'], verify_s))

        # the attack: an entry before the last checkpoint changed, the rest recomputed
        victim_seq = total - every - every // 2
        cr.execute('SELECT entry_hash FROM mes_audit_entry WHERE seq = %s', [victim_seq - 1])
        prev = cr.fetchone()[0]
        cr.execute(integrity.VERIFY_SELECT.replace('ORDER BY seq', 'WHERE seq >= %s ORDER BY seq'),
                   [victim_seq])
        rows = cr.fetchall()
        cr.execute('ALTER TABLE mes_audit_entry DISABLE TRIGGER mes_audit_entry_no_update_delete')
        for row in rows:
            payload = integrity.payload_of(row)
            if payload['seq'] == victim_seq:
                payload['reason'] = 'backdated'
            digest = integrity.entry_digest(prev, payload)
            cr.execute('UPDATE mes_audit_entry SET reason = %s, prev_hash = %s, entry_hash = %s '
                       'WHERE id = %s', [payload['reason'], prev, digest, row[0]])
            prev = digest
        cr.execute('UPDATE mes_audit_head SET last_hash = %s WHERE id = 1', [prev])
        assert integrity.verify_database(cr._cnx)[0] is None, 'the rewrite fools the chain'
        found = env['mes.audit.entry'].mes_verify()['findings']
        good_seq = (victim_seq // every) * every
        assert [f['code'] for f in found] == ['chain_rewritten'], found
        assert found[0]['seq'] == good_seq + 1, (found, good_seq)
        print('# rewrite of entry %d (and the %d after it) caught: first untrusted entry %d'
              % (victim_seq, len(rows) - 1, found[0]['seq']))
        cr.rollback()
    shutil.rmtree(anchor_dir, ignore_errors=True)

    print('RESULT name=audit_verify entries=%d checkpoints=%d verify_s=%.1f target_s=10 '
          'chain_only_s=%.1f baseline_scan_s=%.1f ratio=%.2f'
          % (total, report['matched'], verify_s, chain_s, scan_s, verify_s / scan_s))


if __name__ == '__main__':
    main()
