"""``python3 -m odoo mes_audit_verify -d DB``: verify the Part 11 audit trail.

Checks the hash chain entry by entry, and against every signed checkpoint of the chain head
in the checkpoint log (outside the database). Needs only a database connection (no
registry), so an auditor can run it against a copy of the database, with a copy of the log
kept elsewhere and the exported public key, without the private key::

    python3 -m odoo mes_audit_verify -d DB --checkpoint-log copy.jsonl --public-key key.pem

Without ``--checkpoint-log`` the log of the server configuration is used, without
``--public-key`` the public half of the configured signing key. Exit status 0 = intact,
1 = findings (each is printed), 2 = could not verify.
"""
import argparse
import importlib
import importlib.util
import logging
import sys
import time
from pathlib import Path

import odoo.sql_db
import odoo.tools.config
from odoo.cli.command import Command

_logger = logging.getLogger(__name__)


def _lib():
    """The addon's plain-Python lib package, loaded by path: Odoo imports this file as
    ``odoo.cli.mes_audit_verify``, outside the addon."""
    name = 'mes_part11_lib'
    if name not in sys.modules:
        path = Path(__file__).resolve().parent.parent / 'lib'
        spec = importlib.util.spec_from_file_location(
            name, path / '__init__.py', submodule_search_locations=[str(path)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return (importlib.import_module(name + '.integrity'),
            importlib.import_module(name + '.anchor'))


class MesAuditVerify(Command):
    """Verify the Part 11 audit trail (hash chain and signed checkpoints)"""
    name = 'mes_audit_verify'

    def run(self, args):
        own = argparse.ArgumentParser(add_help=False)
        own.add_argument('--checkpoint-log', dest='checkpoint_log')
        own.add_argument('--public-key', dest='public_keys', action='append', default=[])
        options, rest = own.parse_known_args(args)
        parser = odoo.tools.config.parser
        parser.prog = self.prog
        odoo.tools.config.parse_config(rest, setup_logging=True)
        dbnames = odoo.tools.config['db_name']
        if not dbnames or len(dbnames) != 1:
            sys.exit('mes_audit_verify needs exactly one database: -d DBNAME '
                     '[--checkpoint-log FILE] [--public-key FILE]...')
        dbname = dbnames[0]
        integrity, anchor = _lib()
        key_path, log_path = anchor.configured_paths(
            odoo.tools.config.get, odoo.tools.config['data_dir'], dbname,
            odoo.tools.config['config'])
        start = time.monotonic()
        try:
            anchors, findings = anchor.load_anchor_keys(key_path, options.public_keys)
            copy = bool(options.checkpoint_log)
            log = anchor.CheckpointLog(options.checkpoint_log or log_path)
            data = log.read()
            if data is None and copy:
                raise anchor.AnchorError('log_missing', path=log.path, count='?')
            with odoo.sql_db.db_connect(dbname).cursor() as cr:
                cr.execute("SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'")
                db = (cr.fetchone() or [None])[0]
                cr.execute("SELECT to_regclass('mes_audit_checkpoint')")
                recorded = last_line = 0
                if cr.fetchone()[0]:
                    cr.execute('SELECT count(*), max(line_no) FROM mes_audit_checkpoint '
                               'WHERE db_uuid = %s AND log_path = %s', [db, log_path])
                    recorded, last_line = cr.fetchone()
                if data is None and recorded:
                    findings.append({'code': 'log_missing', 'path': log.path,
                                     'count': recorded})
                if not (recorded or data):
                    findings = [f for f in findings if f['code'] != 'key_missing']
                cr.execute(integrity.HEAD_SELECT)
                head = cr.fetchone()
                with cr._cnx.cursor('mes_audit_verify') as stream:
                    stream.itersize = 20000
                    stream.execute(integrity.VERIFY_SELECT)
                    # a copy kept elsewhere may be older than the live log: its end is not
                    # compared with what the database recorded
                    report = anchor.verify(stream, head, db, data, anchors,
                                           recorded_last_line=None if copy else last_line)
                findings += report['findings']
                if any(f.get('entry_id') == -1 for f in findings):
                    cr.execute(integrity.LAST_ENTRY_SELECT)
                    last = cr.fetchone()
                    for finding in findings:
                        if finding.get('entry_id') == -1:
                            finding['entry_id'] = last[0] if last else -1
        except anchor.AnchorError as error:
            print('Audit trail could not be verified: %s' % error)
            sys.exit(2)
        except Exception as exc:  # noqa: BLE001 - report, do not hide, any failure
            print('Audit trail could not be verified: %s' % exc)
            sys.exit(2)
        elapsed = time.monotonic() - start
        if findings:
            broken = next((f['entry_id'] for f in findings if f.get('entry_id')), None)
            if broken:
                print('Audit trail BROKEN at entry id %s (%d entries read in %.1f s)'
                      % (broken, report['entries'], elapsed))
            else:
                print('Audit trail NOT VERIFIED (%d entries read in %.1f s)'
                      % (report['entries'], elapsed))
            for finding in findings:
                print('- [%s] %s' % (finding['code'], anchor.describe(finding)))
            sys.exit(1)
        print('Audit trail intact: %d entries verified in %.1f s, %d against %d signed '
              'checkpoints (%d keys trusted)' % (report['entries'], elapsed, report['matched'],
                                                 report['checkpoints'], report['keys']))
