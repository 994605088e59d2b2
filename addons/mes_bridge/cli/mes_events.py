"""``python3 -m odoo --addons-path=... mes_events -d DB``: the MES event dispatcher. Sends the
outbox (``mes.event.delivery``) to webhooks, MQTT and AMQP brokers: at least once, in order per
record, retried with backoff, dead-lettered after the subscription's attempts. Several may run
at once (the rows are claimed with ``FOR UPDATE SKIP LOCKED``). It waits on PostgreSQL's
``NOTIFY mes_event`` (sent at the commit of an event) and polls as a fallback."""
import argparse
import logging
import select
import sys
import time

import odoo
from odoo.cli.command import Command
from odoo.tools import config

_logger = logging.getLogger(__name__)


class MesEvents(Command):
    """Deliver MES events to webhooks, MQTT and AMQP"""
    name = 'mes_events'

    def run(self, args):
        parser = argparse.ArgumentParser(prog=self.prog, description=self.__doc__)
        parser.add_argument('--batch', type=int, default=200,
                            help='deliveries claimed per transaction')
        parser.add_argument('--poll', type=float, default=5.0,
                            help='seconds between two looks when nothing is notified')
        parser.add_argument('--duration', type=float, default=None,
                            help='stop after so many seconds (tests, benchmarks)')
        own, rest = parser.parse_known_args(args)
        config.parse_config(rest, setup_logging=True)
        # pika logs every failed connection with its traceback at ERROR: the outcome of each
        # attempt is in the delivery log (and in ours), which is what an administrator reads
        logging.getLogger('pika').setLevel(logging.CRITICAL)
        dbnames = config['db_name']
        if not dbnames or len(dbnames) != 1:
            sys.exit('mes_events needs exactly one database: -d DBNAME')
        dispatched = run_dispatcher(dbnames[0], batch=own.batch, poll=own.poll,
                                    duration=own.duration)
        print('DISPATCHER STOPPED attempted=%d' % dispatched, flush=True)


def run_dispatcher(dbname, batch=200, poll=5.0, duration=None):
    from odoo.modules.registry import Registry
    from odoo.sql_db import db_connect
    registry = Registry(dbname)
    listener = db_connect(dbname).cursor()
    listener._cnx.autocommit = True  # LISTEN outside any transaction
    listener.execute('LISTEN mes_event')
    transports = {}
    attempted = 0
    deadline = time.monotonic() + duration if duration else None
    try:
        while deadline is None or time.monotonic() < deadline:
            try:
                with registry.cursor() as cr:
                    # Odoo's cursors are REPEATABLE READ: there, locking a row another
                    # dispatcher changed since this transaction began is a serialization
                    # failure (the whole batch, sent already, would be rolled back and sent
                    # again). READ COMMITTED claims what is free now and skips what is held.
                    cr.execute('SET TRANSACTION ISOLATION LEVEL READ COMMITTED')
                    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                    count = env['mes.event.delivery']._mes_dispatch_batch(transports, batch)
                    attempted += count
            except Exception:  # noqa: BLE001 - the database may be restarting: retry
                _logger.exception('event dispatch failed; retrying')
                count = 0
                time.sleep(1)
            if count:
                continue  # more may be due
            wait = poll if deadline is None else max(0.0, min(poll, deadline - time.monotonic()))
            connection = listener._cnx
            if select.select([connection], [], [], wait) != ([], [], []):
                connection.poll()
                connection.notifies.clear()
    except KeyboardInterrupt:
        pass
    finally:
        for key, (_stamp, transport) in transports.items():
            if key[0] != 'down':
                transport.close()
        listener.close()
    return attempted
