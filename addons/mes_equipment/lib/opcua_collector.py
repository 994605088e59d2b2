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
  replayed in order once it answers again;
- on every start and reconnection, each tag's last stored source time is compared with the
  time collection resumes: a longer silence than the tag allows is read back from the
  server's history (HistoryRead; stored marked as backfilled) and what the server cannot
  return is recorded as a gap of that tag, once (a unique key on tag and gap start: repeated
  crashes and collectors racing on start record it once). Samples received but not yet
  written when the process dies are covered the same way: they are after the last stored
  value, so inside the hole that is read back or recorded.
"""
import asyncio
import contextlib
import datetime
import json
import logging
import os
import signal
import time

import psycopg2

from . import opcua_security

# longest a connection (handshake and session) may take before it is tried again
CONNECT_TIMEOUT = 10.0
_logger = logging.getLogger(__name__)

_INSERT_SAMPLES = """
    INSERT INTO mes_process_value (tag_id, equipment_id, workorder_id, production_id, value,
                                   source_ts, server_ts, status, backfilled, written_ts)
    SELECT v.tag_id, t.equipment_id, wp.workorder_id, wo.production_id, v.value,
           v.source_ts, v.server_ts, v.status, v.backfilled, now() at time zone 'utc'
      FROM (VALUES {rows}) AS v(tag_id, value, source_ts, server_ts, status, backfilled)
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
    -- a tag's gap is recorded once, from its last stored value: a later restart that finds
    -- the same last value (it crashed again before storing anything) only extends it
    ON CONFLICT (tag_id, date_from) WHERE kind = 'gap' AND tag_id IS NOT NULL
    DO UPDATE SET date_to = GREATEST(mes_opcua_event.date_to, EXCLUDED.date_to),
                  message = EXCLUDED.message, processed = FALSE
              WHERE EXCLUDED.date_to > mes_opcua_event.date_to
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


def _utc(value):
    """A naive UTC datetime (asyncua gives aware or naive UTC ones)."""
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


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
                # (a batch spooled by an older collector has no backfilled flag)
                chunk = [list(sample) + [False] * (6 - len(sample))
                         for sample in samples[start:start + 1000]]
                rows = ', '.join(['(%s::int, %s::float8, %s::timestamp, %s::timestamp, %s, '
                                  '%s::boolean)'] * len(chunk))
                cr.execute(_INSERT_SAMPLES.format(rows=rows),
                           [value for sample in chunk for value in sample])
            for equipment, total, good in batch.get('counts') or []:
                cr.execute('UPDATE mes_equipment_state_period SET total_count = COALESCE('
                           'total_count, 0) + %s, good_count = COALESCE(good_count, 0) + %s '
                           'WHERE equipment_id = %s AND date_stop IS NULL',
                           [total, good, equipment])
            for event in batch.get('events') or []:
                cr.execute(_INSERT_EVENT, event)
            for server_id, until in batch.get('listened') or []:
                # everything received until then is in this transaction
                cr.execute('UPDATE mes_opcua_server SET listened_until = GREATEST('
                           'listened_until, %s::timestamp) WHERE id = %s', [until, server_id])
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

    def resume_marks(self, server_id, tag_ids):
        """(until when the server was listened to, {tag id: source time of its last stored
        value})."""
        conn = self._connect()
        with conn.cursor() as cr:
            cr.execute('SELECT listened_until FROM mes_opcua_server WHERE id = %s', [server_id])
            row = cr.fetchone()
            cr.execute('SELECT tag_id, max(source_ts) FROM mes_process_value '
                       'WHERE tag_id = ANY(%s) GROUP BY tag_id', [list(tag_ids)])
            last = dict(cr.fetchall())
        conn.commit()
        return (row[0] if row else None), last

    def read_config(self, shard):
        conn = self._connect()
        with conn.cursor() as cr:
            cr.execute("""
                SELECT s.id, s.endpoint_url, t.id, t.node_id, t.equipment_id, t.meaning,
                       t.has_limits, t.lower_limit, t.upper_limit, t.sampling_interval,
                       t.deadband, t.state_map, s.security_policy, s.security_mode,
                       s.client_certificate, s.client_private_key, s.server_certificate,
                       s.auth_type, s.username, s.password, t.gap_tolerance
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
                'gap_tolerance': row[20] if row[20] is not None else 2.0,
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


async def _tracked_subscription(client, period, handler, on_missed, on_publish=None):
    """``client.create_subscription`` whose publish results pass a sequence check first
    (and whose publish times, keep-alives included, are reported to ``on_publish``)."""
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
        if on_publish is not None:
            on_publish(message.PublishTime)
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
        self.last_source = {}
        self.listening = {}  # server id -> since when it is subscribed and resumed
        self.heard = {}  # server id -> publish time of its last message (keep-alives too)
        self.listened_at = 0.0
        self.stopping = asyncio.Event()
        self.received = 0
        self.backfilled = 0

    # -- incoming ----------------------------------------------------------------------
    def on_sample(self, server, tag, value, source_ts, server_ts, status, backfilled=False):
        if backfilled:
            self.backfilled += 1
        else:
            self.received += 1
            self.last_sample[server['id']] = source_ts
        source = _utc(source_ts)
        if source and (tag['id'] not in self.last_source or source > self.last_source[tag['id']]):
            self.last_source[tag['id']] = source
        numeric = None
        with contextlib.suppress(TypeError, ValueError):  # text values are kept as status only
            numeric = float(value)
        self.samples.append((tag['id'], numeric, _ts(source_ts), _ts(server_ts), status,
                             backfilled))
        if backfilled and tag['meaning'] != 'parameter':
            return  # counters and states count from now on; limits are checked in the past too
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
        heartbeat = bool(self.listening) and time.monotonic() - self.listened_at >= 1.0
        if not self.samples and not self.events and not heartbeat:
            return
        self.listened_at = time.monotonic()
        batch = {'samples': self.samples, 'events': self.events,
                 'counts': [[equipment, total, good]
                            for equipment, (total, good) in self.count_deltas.items()],
                 # until when the server was heard (not this clock: a connection that
                 # died unnoticed must not extend it)
                 'listened': [[server_id, _ts(self.heard[server_id])]
                              for server_id in self.listening if self.heard.get(server_id)]}
        had_events = bool(self.events)
        self.samples, self.events, self.count_deltas = [], [], {}
        stored = self.store.save(batch)
        if stored and had_events and self.on_events:
            self.on_events()

    async def writer(self):
        while not self.stopping.is_set():
            await asyncio.sleep(self.flush_interval)
            if self.samples or self.events or self.store.spool_pending() or (
                    self.listening and time.monotonic() - self.listened_at >= 1.0):
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
                # where each tag's data stops, taken before anything new arrives
                marks = await asyncio.get_running_loop().run_in_executor(
                    None, self.store.resume_marks, server['id'],
                    [tag['id'] for tag in server['tags']])
                seen = dict(self.last_source)
                subscription = await _tracked_subscription(
                    client, period, _Handler(self, server, tags_by_node),
                    lambda missed, at, server=server: self.event(
                        server, None, 'gap', at, at,
                        message=_lt('%(count)d notification message(s) from %(url)s lost '
                                    '(publish sequence numbers skipped)') % {
                                        'count': missed, 'url': server['url']}),
                    lambda at, server=server: self.heard.__setitem__(server['id'], _utc(at)))
                if nodes:
                    await subscription.subscribe_data_change([n for n, _t in nodes],
                                                             sampling_interval=period)
                for node, tag in deadbanded:
                    # absolute deadband filter: the server sends only changes larger than it
                    await subscription.deadband_monitor(node, tag['deadband'], deadbandtype=1)
                # what happened while nobody listened (this process starting, a crash of
                # the previous one, this connection lost): read back or recorded
                keepalive = period / 1000.0 * client.get_keepalive_count(period)
                await self.resume(server, {tag['id']: node for node, tag in nodes + deadbanded},
                                  datetime.datetime.utcnow(), keepalive, marks, seen)
                self.listening[server['id']] = datetime.datetime.utcnow()
                lost_at = None
                backoff = 0.5
                _logger.info('subscribed %d tags on %s', len(tags_by_node), server['url'])
                while not self.stopping.is_set():
                    await asyncio.sleep(self.watch_interval)
                    await asyncio.wait_for(client.nodes.server_state.read_value(),
                                           timeout=max(2.0, self.watch_interval * 2))
            except (OSError, asyncio.TimeoutError, ua.UaError, ConnectionError,
                    asyncio.CancelledError, Exception) as error:  # noqa: BLE001
                self.listening.pop(server['id'], None)
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

    @staticmethod
    def allowed_silence(tag, keepalive):
        """Seconds a tag may stay silent: its sampling interval (a change-only tag with a
        deadband: the subscription's keep-alive) plus its tolerance."""
        expected = keepalive if tag['deadband'] else tag['sampling'] / 1000.0
        return expected + (tag.get('gap_tolerance') or 0.0)

    async def resume(self, server, nodes, resumed, keepalive, marks, seen):
        """Compare each tag's last stored (or seen) source time with ``resumed``: a longer
        silence is read back from the server's history and stored as backfilled; what the
        history does not cover is recorded as a gap of the tag. ``marks``: (until when the
        server was listened to, {tag: last stored source time}) and ``seen`` ({tag: last
        source time received}) from before the subscription."""
        from asyncua import ua
        listened, stored = marks
        for tag in server['tags']:
            # the hole begins when nobody listened any more: a tag that did not change while
            # it was listened to (a machine state, a deadband) has no hole before that
            last = max([t for t in (_utc(stored.get(tag['id'])), seen.get(tag['id']),
                                    _utc(listened) if stored.get(tag['id']) else None) if t],
                       default=None)
            allowed = self.allowed_silence(tag, keepalive)
            if last is None or (resumed - last).total_seconds() <= allowed:
                continue  # never collected yet, or no hole
            try:  # a value unchanged since before the hole: nothing was missed
                current = await nodes[tag['id']].read_data_value()
                changed = _utc(current.SourceTimestamp or current.ServerTimestamp)
                if changed and changed <= last:
                    continue
            except (ua.UaError, asyncio.TimeoutError) as error:
                _logger.info('reading %s: %s', tag['node_id'], error)
            _logger.info('%s silent from %s to %s UTC: reading the server history',
                         tag['node_id'], _ts(last), _ts(resumed))
            covered_from, history = await self.read_history(nodes[tag['id']], last, resumed)
            for value, source, server_ts, status in history:
                self.on_sample(server, tag, value, source, server_ts, status, backfilled=True)
            # the server's history is authoritative from its oldest value on (no value there
            # means no change); before that, or without history, the hole is a gap
            stop = min(covered_from or resumed, resumed)
            if (stop - last).total_seconds() > allowed:
                self.event(server, tag, 'gap', last, stop, message=_lt(
                    '%(tag)s: no value between %(start)s and %(stop)s UTC (%(seconds)d s) and '
                    'none in the server history') % {
                        'tag': tag['node_id'], 'start': _ts(last), 'stop': _ts(stop),
                        'seconds': (stop - last).total_seconds()})

    async def read_history(self, node, start, stop):
        """What the server historized of ``node``: (the source time of the oldest value it
        still keeps, or None; the values strictly between ``start`` and ``stop`` (naive UTC)
        as ``[(value, source time, server time, status)]``, in order). (None, []) when the
        server keeps no history of the node: that is a gap, not an error."""
        from asyncua import ua
        aware = datetime.timezone.utc
        try:
            oldest = await asyncio.wait_for(node.read_raw_history(
                datetime.datetime(2000, 1, 1, tzinfo=aware), stop.replace(tzinfo=aware),
                numvalues=1), timeout=15)
            values = await asyncio.wait_for(node.read_raw_history(
                start.replace(tzinfo=aware), stop.replace(tzinfo=aware)), timeout=15)
        except (ua.UaError, asyncio.TimeoutError, OSError, ConnectionError) as error:
            _logger.info('no history of %s (%s): recording the gap', node, error)
            return None, []
        covered_from = _utc(oldest[0].SourceTimestamp or oldest[0].ServerTimestamp) \
            if oldest else None
        result = []
        for dv in values:
            source = _utc(dv.SourceTimestamp or dv.ServerTimestamp)
            if source and start < source < stop and dv.Value is not None:
                result.append((dv.Value.Value, source, _utc(dv.ServerTimestamp),
                               dv.StatusCode.name if dv.StatusCode else 'Good'))
        return covered_from, sorted(result, key=lambda item: item[1])

    async def run(self, duration=None):
        servers = await asyncio.get_running_loop().run_in_executor(
            None, self.store.read_config, self.shard)
        # the readiness line the starting process waits for on stdout
        print('COLLECTOR READY %d servers' % len(servers), flush=True)  # pylint: disable=print-used
        tasks = [asyncio.create_task(self.serve(server)) for server in servers]
        writer = asyncio.create_task(self.writer())
        # docker stop / systemctl stop: a graceful stop writes everything received
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.stopping.set)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=duration)
        self.stopping.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await writer
