"""The OPC UA collector: subscriptions in, batches of samples out, nothing lost.

asyncua + psycopg2, no ORM (the Odoo CLI command ``mes_opcua`` wraps it). One asyncio
process serves the active servers of one shard:

- one task per server: connect, subscribe every mapped node, watch the session; on any loss
  reconnect with backoff, restore every monitored item and record the gap as an event;
- one writer task: samples are queued and written in batches (``INSERT ... SELECT ... ON
  CONFLICT (tag_id, source_ts) DO NOTHING``, so a sample is never stored twice), each attached
  to the work order and order running on the equipment's work center at the sample's source
  time; events (gaps, out-of-limit excursions, state changes) go in the same transaction to
  ``mes_opcua_event``, which Odoo turns into exceptions and state periods;
- while PostgreSQL is unreachable, batches are appended to a spool file on local disk and
  replayed in order once it answers again.
"""
import asyncio
import contextlib
import datetime
import json
import logging
import os

import psycopg2

from . import opcua_security

# longest a connection (handshake and session) may take before it is tried again
CONNECT_TIMEOUT = 10.0
_logger = logging.getLogger(__name__)

_INSERT_SAMPLES = """
    INSERT INTO mes_process_value (tag_id, equipment_id, workorder_id, production_id, value,
                                   source_ts, server_ts, status, written_ts)
    SELECT v.tag_id, t.equipment_id, wp.workorder_id, wo.production_id, v.value,
           v.source_ts, v.server_ts, v.status, now() at time zone 'utc'
      FROM (VALUES {rows}) AS v(tag_id, value, source_ts, server_ts, status)
      JOIN mes_opcua_tag t ON t.id = v.tag_id
 LEFT JOIN maintenance_equipment e ON e.id = t.equipment_id
 LEFT JOIN LATERAL (
        SELECT p.workorder_id FROM mrp_workcenter_productivity p
         WHERE p.workcenter_id = e.mes_workcenter_id AND p.workorder_id IS NOT NULL
           AND p.date_start <= v.source_ts AND (p.date_end IS NULL OR p.date_end >= v.source_ts)
      ORDER BY p.date_start DESC LIMIT 1) wp ON TRUE
 LEFT JOIN mrp_workorder wo ON wo.id = wp.workorder_id
        ON CONFLICT (tag_id, source_ts) DO NOTHING
"""
_INSERT_EVENT = """
    INSERT INTO mes_opcua_event (server_id, tag_id, equipment_id, kind, date_from, date_to,
                                 value, state, message, processed)
    VALUES (%(server_id)s, %(tag_id)s, %(equipment_id)s, %(kind)s, %(date_from)s,
            %(date_to)s, %(value)s, %(state)s, %(message)s, FALSE)
"""


def _lt(message):
    """Mark ``message`` for Odoo's term export without importing Odoo. The collector has no
    user and writes its event messages in English; marked, they are at least known terms of
    the addon where they reach the UI (the detail of a data-gap exception)."""
    return message


def _ts(value):
    """UTC naive ISO text of a datetime (JSON-safe for the spool)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.isoformat(sep=' ')


def _binary(value):
    """Odoo keeps binary columns base64-encoded."""
    import base64
    return base64.b64decode(bytes(value)) if value else None


def parse_state_map(text):
    pairs = {}
    for item in (text or '').split(','):
        if ':' in item:
            key, state = item.split(':', 1)
            pairs[key.strip()] = state.strip()
    return pairs


class Store:
    """PostgreSQL writes with a disk spool while the database does not answer."""

    def __init__(self, dsn, spool_path):
        self.dsn = dsn
        self.spool_path = spool_path
        self.conn = None
        self.written = 0
        self.spooled = 0

    def _connect(self):
        if self.conn is None or self.conn.closed:
            self.conn = psycopg2.connect(connect_timeout=3, **self.dsn)
        return self.conn

    def _drop(self):
        # closing a dead connection may fail any way
        with contextlib.suppress(Exception):
            if self.conn is not None:
                self.conn.close()
        self.conn = None

    def _write(self, batch):
        conn = self._connect()
        with conn.cursor() as cr:
            samples = batch.get('samples') or []
            for start in range(0, len(samples), 1000):
                chunk = samples[start:start + 1000]
                rows = ', '.join(['(%s::int, %s::float8, %s::timestamp, %s::timestamp, %s)']
                                 * len(chunk))
                cr.execute(_INSERT_SAMPLES.format(rows=rows),
                           [value for sample in chunk for value in sample])
            for equipment, total, good in batch.get('counts') or []:
                cr.execute('UPDATE mes_equipment_state_period SET total_count = COALESCE('
                           'total_count, 0) + %s, good_count = COALESCE(good_count, 0) + %s '
                           'WHERE equipment_id = %s AND date_stop IS NULL',
                           [total, good, equipment])
            for event in batch.get('events') or []:
                cr.execute(_INSERT_EVENT, event)
        conn.commit()
        self.written += len(batch.get('samples') or [])

    def spool_pending(self):
        return os.path.exists(self.spool_path) and os.path.getsize(self.spool_path) > 0

    def _spool(self, batch):
        with open(self.spool_path, 'a', encoding='utf-8') as spool:
            spool.write(json.dumps(batch) + '\n')
            spool.flush()
            os.fsync(spool.fileno())
        self.spooled += len(batch.get('samples') or [])

    def replay(self):
        """Write the spooled batches in order; stop (keeping the rest) at the first failure."""
        if not self.spool_pending():
            return True
        with open(self.spool_path, encoding='utf-8') as spool:
            lines = [line for line in spool.read().splitlines() if line.strip()]
        for index, line in enumerate(lines):
            try:
                self._write(json.loads(line))
            except psycopg2.Error:
                self._drop()
                with open(self.spool_path, 'w', encoding='utf-8') as spool:
                    spool.write('\n'.join(lines[index:]) + '\n')
                return False
        os.remove(self.spool_path)
        _logger.info('replayed %d spooled batches', len(lines))
        return True

    def save(self, batch):
        """Write a batch, or spool it; returns True when it reached the database."""
        if self.spool_pending() and not self.replay():
            self._spool(batch)
            return False
        try:
            self._write(batch)
            return True
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
            _logger.warning('database unreachable (%s): spooling to %s', error,
                            self.spool_path)
            self._drop()
            self._spool(batch)
            return False

    def read_config(self, shard):
        conn = self._connect()
        with conn.cursor() as cr:
            cr.execute("""
                SELECT s.id, s.endpoint_url, t.id, t.node_id, t.equipment_id, t.meaning,
                       t.has_limits, t.lower_limit, t.upper_limit, t.sampling_interval,
                       t.deadband, t.state_map, s.security_policy, s.security_mode,
                       s.client_certificate, s.client_private_key, s.server_certificate,
                       s.auth_type, s.username, s.password
                  FROM mes_opcua_server s JOIN mes_opcua_tag t ON t.server_id = s.id
                 WHERE s.active AND t.active AND s.shard = %s ORDER BY s.id, t.id
            """, [shard])
            rows = cr.fetchall()
        conn.commit()
        servers = {}
        for row in rows:
            server = servers.setdefault(row[0], {
                'id': row[0], 'url': row[1], 'tags': [], 'policy': row[12], 'mode': row[13],
                'certificate': _binary(row[14]), 'private_key': _binary(row[15]),
                'server_certificate': _binary(row[16]),
                'user_certificate': row[17] == 'certificate',
                'username': row[18] if row[17] == 'password' else None,
                'password': row[19] if row[17] == 'password' else None})
            server['tags'].append({
                'id': row[2], 'node_id': row[3], 'equipment_id': row[4], 'meaning': row[5],
                'has_limits': row[6], 'lower': row[7], 'upper': row[8],
                'sampling': row[9] or 500, 'deadband': row[10] or 0.0,
                'state_map': parse_state_map(row[11]),
            })
        return list(servers.values())


class SequenceTracker:
    """Publish sequence numbers of one subscription: data messages count up by one (keep-
    alives carry no new number), so a jump means notifications were lost on the way."""

    def __init__(self):
        self.last = None

    def see(self, sequence_number, has_data):
        """Return the number of messages missed before this one (0 when none)."""
        if not has_data:
            return 0
        missed = 0
        if self.last is not None and sequence_number > self.last + 1:
            missed = sequence_number - self.last - 1
        if self.last is None or sequence_number > self.last:
            self.last = sequence_number
        return missed


async def _tracked_subscription(client, period, handler, on_missed):
    """``client.create_subscription`` whose publish results pass a sequence check first."""
    from asyncua import ua
    from asyncua.common.subscription import Subscription
    params = ua.CreateSubscriptionParameters()
    params.RequestedPublishingInterval = period
    params.RequestedLifetimeCount = 10000
    params.RequestedMaxKeepAliveCount = client.get_keepalive_count(period)
    params.MaxNotificationsPerPublish = 10000
    params.PublishingEnabled = True
    params.Priority = 0
    subscription = Subscription(client.uaclient, params, handler)
    tracker = SequenceTracker()
    deliver = subscription.publish_callback

    async def publish_callback(result):
        message = result.NotificationMessage
        missed = tracker.see(message.SequenceNumber, bool(message.NotificationData))
        if missed:
            on_missed(missed, message.PublishTime)
        await deliver(result)
    subscription.publish_callback = publish_callback  # before init(), which registers it
    await subscription.init()
    return subscription


class _Handler:
    def __init__(self, collector, server, tags_by_node):
        self.collector = collector
        self.server = server
        self.tags_by_node = tags_by_node

    def datachange_notification(self, node, value, data):
        tag = self.tags_by_node.get(node.nodeid.to_string())
        if tag is None:
            return
        dv = data.monitored_item.Value
        source = dv.SourceTimestamp or dv.ServerTimestamp or datetime.datetime.utcnow()
        self.collector.on_sample(self.server, tag, value, source, dv.ServerTimestamp,
                                 dv.StatusCode.name if dv.StatusCode else 'Good')

    def status_change_notification(self, status):
        _logger.warning('server %s subscription status %s', self.server['url'], status)


class Collector:
    def __init__(self, store, shard='default', batch_size=2000, flush_interval=0.2,
                 watch_interval=1.0, on_events=None):
        self.store = store
        self.shard = shard
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.watch_interval = watch_interval
        self.on_events = on_events
        self.samples = []
        self.events = []
        self.excursions = set()
        self.counters = {}
        self.count_deltas = {}
        self.last_state = {}
        self.last_sample = {}
        self.stopping = asyncio.Event()
        self.received = 0

    # -- incoming ----------------------------------------------------------------------
    def on_sample(self, server, tag, value, source_ts, server_ts, status):
        self.received += 1
        self.last_sample[server['id']] = source_ts
        numeric = None
        with contextlib.suppress(TypeError, ValueError):  # text values are kept as status only
            numeric = float(value)
        self.samples.append((tag['id'], numeric, _ts(source_ts), _ts(server_ts), status))
        if tag['meaning'] == 'parameter' and tag['has_limits'] and numeric is not None:
            outside = numeric < tag['lower'] or numeric > tag['upper']
            if outside and tag['id'] not in self.excursions:
                # one event per excursion, not one per sample
                self.excursions.add(tag['id'])
                self.event(server, tag, 'out_of_limit', source_ts, value=numeric,
                           message='%s outside [%s, %s]' % (numeric, tag['lower'], tag['upper']))
            elif not outside:
                self.excursions.discard(tag['id'])
        elif tag['meaning'] in ('good_count', 'total_count') and numeric is not None:
            # machine counters: the increase since the last sample goes to the open state
            # period (a counter that went down was reset: count from zero)
            key = (tag['equipment_id'], tag['meaning'])
            last = self.counters.get(key)
            self.counters[key] = numeric
            if last is not None:
                delta = numeric - last if numeric >= last else numeric
                totals = self.count_deltas.setdefault(tag['equipment_id'], [0, 0])
                totals[0 if tag['meaning'] == 'total_count' else 1] += int(delta)
        elif tag['meaning'] == 'state':
            state = tag['state_map'].get(str(value).split('.')[0])
            if state and self.last_state.get(tag['equipment_id']) != state:
                self.last_state[tag['equipment_id']] = state
                self.event(server, tag, 'state', source_ts, state=state)

    def event(self, server, tag, kind, date_from, date_to=None, value=None, state=None,
              message=None):
        self.events.append({
            'server_id': server['id'], 'tag_id': tag['id'] if tag else None,
            'equipment_id': tag['equipment_id'] if tag else None, 'kind': kind,
            'date_from': _ts(date_from), 'date_to': _ts(date_to), 'value': value,
            'state': state, 'message': message,
        })

    # -- writing -----------------------------------------------------------------------
    def flush(self):
        if not self.samples and not self.events:
            return
        batch = {'samples': self.samples, 'events': self.events,
                 'counts': [[equipment, total, good]
                            for equipment, (total, good) in self.count_deltas.items()]}
        had_events = bool(self.events)
        self.samples, self.events, self.count_deltas = [], [], {}
        stored = self.store.save(batch)
        if stored and had_events and self.on_events:
            self.on_events()

    async def writer(self):
        while not self.stopping.is_set():
            await asyncio.sleep(self.flush_interval)
            if self.samples or self.events or self.store.spool_pending():
                await asyncio.get_running_loop().run_in_executor(None, self._flush_sync)
        self._flush_sync()

    def _flush_sync(self):
        if not self.samples and not self.events and self.store.spool_pending():
            if self.store.replay() and self.on_events:
                self.on_events()
            return
        self.flush()

    # -- one server ------------------------------------------------------------------------
    async def serve(self, server):
        from asyncua import Client, ua
        backoff = 0.5
        lost_at = None
        while not self.stopping.is_set():
            client = Client(server['url'], timeout=4)  # (disconnected in the finally below)
            try:
                client = await opcua_security.make_client(server, timeout=4)
                # a server that accepts the connection while still starting can leave the
                # handshake hanging: bounded, so that the next attempt comes
                await asyncio.wait_for(client.connect(), timeout=CONNECT_TIMEOUT)
                tags_by_node = {}
                nodes, deadbanded = [], []
                for tag in server['tags']:
                    node = client.get_node(tag['node_id'])
                    tags_by_node[node.nodeid.to_string()] = tag
                    (deadbanded if tag['deadband'] else nodes).append((node, tag))
                period = min(tag['sampling'] for tag in server['tags'])
                subscription = await _tracked_subscription(
                    client, period, _Handler(self, server, tags_by_node),
                    lambda missed, at, server=server: self.event(
                        server, None, 'gap', at, at,
                        message=_lt('%(count)d notification message(s) from %(url)s lost '
                                    '(publish sequence numbers skipped)') % {
                                        'count': missed, 'url': server['url']}))
                if nodes:
                    await subscription.subscribe_data_change([n for n, _t in nodes],
                                                             sampling_interval=period)
                for node, tag in deadbanded:
                    # absolute deadband filter: the server sends only changes larger than it
                    await subscription.deadband_monitor(node, tag['deadband'], deadbandtype=1)
                if lost_at is not None:
                    back = datetime.datetime.utcnow()
                    self.event(server, None, 'gap', lost_at, back,
                               message=_lt('no data from %(url)s between %(start)s and '
                                           '%(stop)s UTC') % {
                                   'url': server['url'], 'start': _ts(lost_at),
                                   'stop': _ts(back)})
                    lost_at = None
                backoff = 0.5
                _logger.info('subscribed %d tags on %s', len(tags_by_node), server['url'])
                while not self.stopping.is_set():
                    await asyncio.sleep(self.watch_interval)
                    await asyncio.wait_for(client.nodes.server_state.read_value(),
                                           timeout=max(2.0, self.watch_interval * 2))
            except (OSError, asyncio.TimeoutError, ua.UaError, ConnectionError,
                    asyncio.CancelledError, Exception) as error:  # noqa: BLE001
                if isinstance(error, asyncio.CancelledError) and self.stopping.is_set():
                    break
                if lost_at is None:
                    lost_at = self.last_sample.get(server['id']) or datetime.datetime.utcnow()
                    _logger.warning('lost %s (%s); reconnecting', server['url'],
                                    opcua_security.explain(error))
            finally:
                with contextlib.suppress(Exception):  # the peer may be gone already
                    await asyncio.wait_for(client.disconnect(), timeout=2)
            if self.stopping.is_set():
                break
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    async def run(self, duration=None):
        servers = await asyncio.get_running_loop().run_in_executor(
            None, self.store.read_config, self.shard)
        # the readiness line the starting process waits for on stdout
        print('COLLECTOR READY %d servers' % len(servers), flush=True)  # pylint: disable=print-used
        tasks = [asyncio.create_task(self.serve(server)) for server in servers]
        writer = asyncio.create_task(self.writer())
        if duration:
            await asyncio.sleep(duration)
            self.stopping.set()
        else:
            await self.stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await writer
