#!/usr/bin/env python3
"""Audit chain verification at scale: verify N hash-chained entries (default 1,000,000)
with the application's verifier, against a plain streaming read of the same rows (the
baseline: what any verifier must at least pay), in one run.

Standalone: creates database ``mes_bench_audit_verify`` with mes_bridge, generates a valid
chain in bulk (sealed with the addon's own integrity module, loaded with COPY), then times
``env['mes.audit.entry'].verify_chain()``, the method behind the menu, the cron and the CLI.
Finally it tampers one row (trigger disabled, as a rogue superuser would) and checks that the
verifier names it.

    python3 benchmarks/audit_verify.py [--entries 1000000]

Target (issue 3): 1,000,000 entries verified in under 60 s on a 2-core machine.
"""
import argparse
import io
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
    args = parser.parse_args()

    fresh_database(DB)
    registry = open_registry(DB)
    from odoo import SUPERUSER_ID, api
    from odoo.addons.mes_part11.lib import integrity

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

    with registry.cursor() as cr:
        # baseline: stream the same rows, same query and cursor settings, no hashing
        start = time.monotonic()
        with cr._cnx.cursor('bench_scan') as stream:
            stream.itersize = 20000
            stream.execute(integrity.VERIFY_SELECT)
            scanned = sum(1 for _row in stream)
        scan_s = time.monotonic() - start
        print('# baseline: streamed %d rows in %.1f s' % (scanned, scan_s))

        env = api.Environment(cr, SUPERUSER_ID, {})
        start = time.monotonic()
        broken = env['mes.audit.entry'].verify_chain()
        verify_s = time.monotonic() - start
        assert broken is False, 'generated chain must verify, broken at %s' % broken
        print('# verify_chain(): intact, %d entries in %.1f s' % (total, verify_s))

        cr.execute('SELECT id FROM mes_audit_entry WHERE seq = %s', [total // 2])
        victim = cr.fetchone()[0]
        cr.execute('ALTER TABLE mes_audit_entry DISABLE TRIGGER mes_audit_entry_no_update_delete')
        cr.execute("UPDATE mes_audit_entry SET new_display = 'Released' WHERE id = %s", [victim])
        found = env['mes.audit.entry'].verify_chain()
        assert found == victim, (found, victim)
        print('# tampered entry id %d found by the verifier' % victim)
        cr.rollback()

    print('RESULT name=audit_verify entries=%d verify_s=%.1f target_s=60 baseline_scan_s=%.1f '
          'ratio=%.2f' % (total, verify_s, scan_s, verify_s / scan_s))


if __name__ == '__main__':
    main()
