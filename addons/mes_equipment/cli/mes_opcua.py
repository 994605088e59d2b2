"""``python3 -m odoo --addons-path=... mes_opcua -d DB [--shard default]``: the OPC UA
collector for the active servers of one shard (see lib/opcua_collector.py)."""
import argparse
import asyncio
import logging
import os
import sys

import odoo
from odoo.cli.command import Command
from odoo.tools import config

_logger = logging.getLogger(__name__)


class MesOpcua(Command):
    """Collect OPC UA process data into the MES (one shard of servers)"""
    name = 'mes_opcua'

    def run(self, args):
        parser = argparse.ArgumentParser(prog=self.prog, description=self.__doc__)
        parser.add_argument('--shard', default='default')
        parser.add_argument('--spool-dir', default=None,
                            help='where samples wait while PostgreSQL is unreachable')
        parser.add_argument('--flush-interval', type=float, default=0.2)
        parser.add_argument('--spool-limit-mb', type=float, default=1024.0,
                            help='largest spool on disk; an alarm is raised at 80%%, at the '
                                 'limit the collector stops listening until it drains')
        parser.add_argument('--max-pending', type=int, default=50000,
                            help='values kept in memory while the database is busy before '
                                 'they go to the spool')
        parser.add_argument('--duration', type=float, default=None,
                            help='stop after so many seconds (tests, benchmarks)')
        own, rest = parser.parse_known_args(args)
        config.parse_config(rest, setup_logging=True)
        # asyncua logs every publish at INFO, payload included: far too much for a service
        logging.getLogger('asyncua').setLevel(max(logging.WARNING,
                                                  logging.getLogger().getEffectiveLevel()))
        dbnames = config['db_name']
        if not dbnames or len(dbnames) != 1:
            sys.exit('mes_opcua needs exactly one database: -d DBNAME')
        dbname = dbnames[0]
        from odoo.addons.mes_equipment.lib.opcua_collector import Collector, Store
        from odoo.modules.registry import Registry
        from odoo.sql_db import connection_info_for
        _db, info = connection_info_for(dbname)
        info.pop('database', None)
        info['dbname'] = dbname
        spool_dir = own.spool_dir or os.path.join(config['data_dir'], 'mes_opcua_spool')
        os.makedirs(spool_dir, exist_ok=True)
        store = Store(info, os.path.join(spool_dir, '%s-%s.jsonl' % (dbname, own.shard)),
                      spool_limit=int(own.spool_limit_mb * 1024 * 1024))
        store.prepare()
        registry = Registry(dbname)

        def process_events():
            # exceptions and state periods are Odoo records: made with the ORM
            try:
                with registry.cursor() as cr:
                    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                    env['mes.opcua.event']._mes_process_pending()
            except Exception:  # noqa: BLE001 - the cron retries; samples are safe
                _logger.exception('processing collector events failed; the cron will retry')

        collector = Collector(store, shard=own.shard, flush_interval=own.flush_interval,
                              on_events=process_events, max_pending=own.max_pending)
        try:
            asyncio.run(collector.run(duration=own.duration))
        except KeyboardInterrupt:
            pass
        print('COLLECTOR STOPPED received=%d written=%d stored=%d spooled=%d'
              % (collector.received, store.written, store.stored, store.spooled), flush=True)
