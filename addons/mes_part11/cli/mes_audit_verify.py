"""``python3 -m odoo mes_audit_verify -d DB``: verify the Part 11 audit trail hash chain.

Needs only a database connection (no registry), so an auditor can run it against a copy
of the database. Exit status 0 = intact, 1 = broken (the first broken entry is printed),
2 = could not verify.
"""
import importlib.util
import logging
import sys
import time
from pathlib import Path

import odoo.sql_db
import odoo.tools.config
from odoo.cli.command import Command

_logger = logging.getLogger(__name__)


def _integrity():
    # loaded by path: Odoo imports this file as odoo.cli.mes_audit_verify, outside the addon
    path = Path(__file__).resolve().parent.parent / 'lib' / 'integrity.py'
    spec = importlib.util.spec_from_file_location('mes_part11_integrity', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class MesAuditVerify(Command):
    """Verify the Part 11 audit trail (hash chain, deletions, reordering)"""
    name = 'mes_audit_verify'

    def run(self, args):
        parser = odoo.tools.config.parser
        parser.prog = self.prog
        odoo.tools.config.parse_config(args, setup_logging=True)
        dbnames = odoo.tools.config['db_name']
        if not dbnames or len(dbnames) != 1:
            sys.exit('mes_audit_verify needs exactly one database: -d DBNAME')
        integrity = _integrity()
        start = time.monotonic()
        try:
            with odoo.sql_db.db_connect(dbnames[0]).cursor() as cr:
                broken, count = integrity.verify_database(cr._cnx)
        except Exception as exc:  # noqa: BLE001 - report, do not hide, any failure
            print('Audit trail could not be verified: %s' % exc)
            sys.exit(2)
        elapsed = time.monotonic() - start
        if broken:
            print('Audit trail BROKEN at entry id %s (%d entries read in %.1f s)'
                  % (broken, count, elapsed))
            sys.exit(1)
        print('Audit trail intact: %d entries verified in %.1f s' % (count, elapsed))
