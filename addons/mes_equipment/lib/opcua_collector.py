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
import math
import os
import signal
import threading
import time

import psycopg2

from . import opcua_security, process_store
from .swinging_door import SwingingDoor

_EPOCH = datetime.datetime(1970, 1, 1)
# longest a connection (handshake and session) may take before it is tried again
CONNECT_TIMEOUT = 10.0
_logger = logging.getLogger(__name__)

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
    """PostgreSQL writes, with a disk spool while the database does not answer or cannot
    keep up (back-pressure). The spool is bounded: past ``spool_alarm`` of ``spool_limit``
    bytes an alarm is raised once; at the limit the collector stops listening (handled as an
    outage: on resumption each tag's silence is read back from the server history or
    recorded as a gap), so nothing is dropped silently."""

    def __init__(self, dsn, spool_path, spool_limit=1024 ** 3, spool_alarm=0.8):
        self.dsn = dsn
        self.spool_path = spool_path
        self.spool_limit = spool_limit
        self.spool_alarm = spool_alarm
        self.conn = None
        self.written = 0
        self.spooled = 0
        self.stored = 0  # new rows (compression and duplicates left out)
        self.spool_lock = threading.Lock()

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
            rows = []
            for sample in batch.get('samples') or []:
                if len(sample) == 6 or (len(sample) == 5 and not isinstance(sample[1], str)):
                    # spooled by an older collector: (tag, value, source, server, status
                    # [, backfilled])
                    sample = list(sample) + [False] * (6 - len(sample))
                    sample = (sample[0], sample[2], sample[1], sample[4], sample[5])
                rows.append(sample)
            self.stored += process_store.write_values(cr, rows)
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

    def spool_size(self):
        try:
            return os.path.getsize(self.spool_path)
        except OSError:
            return 0

    def spool_pending(self):
        return self.spool_size() > 0 or os.path.exists(self.spool_path + '.replaying')

    def spool(self, batch):
        """Append a batch to the spool (fsynced). Returns the spool size after it."""
        line = json.dumps(batch) + '\n'
        with self.spool_lock, open(self.spool_path, 'a', encoding='utf-8') as spool:
            spool.write(line)
            spool.flush()
            os.fsync(spool.fileno())
            size = spool.tell()
        self.spooled += len(batch.get('samples') or [])
        return size

    def replay(self):
        """Write the spooled batches in order; stop (keeping the rest) at the first failure.
        Batches spooled meanwhile (back-pressure) go to a new spool file, replayed next."""
        replaying = self.spool_path + '.replaying'
        with self.spool_lock:
            if not os.path.exists(replaying):
                if not self.spool_size():
                    return True
                os.replace(self.spool_path, replaying)
        with open(replaying, encoding='utf-8') as spool:
            lines = [line for line in spool.read().splitlines() if line.strip()]
        for index, line in enumerate(lines):
            try:
                self._write(json.loads(line))
            except psycopg2.Error:
                self._drop()
                with open(replaying, 'w', encoding='utf-8') as spool:
                    spool.write('\n'.join(lines[index:]) + '\n')
                    spool.flush()
                    os.fsync(spool.fileno())
                return False
        os.remove(replaying)
        _logger.info('replayed %d spooled batches', len(lines))
        return not self.spool_size()

    def save(self, batch):
        """Write a batch, or spool it; returns True when it reached the database."""
        if self.spool_pending() and not self.replay():
            self.spool(batch)
            return False
        try:
            self._write(batch)
            return True
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
            _logger.warning('database unreachable (%s): spooling to %s', error,
                            self.spool_path)
            self._drop()
            self.spool(batch)
            return False

    def prepare(self, days_ahead=2):
        """Day partitions for today and the next days (the Odoo job keeps more ahead)."""
        conn = self._connect()
        with conn.cursor() as cr:
            today = datetime.datetime.utcnow().date()
            process_store.ensure_partitions(cr, today, today + days_ahead * process_store.DAY)
        conn.commit()

    def refresh_aggregates(self):
        """Aggregate the minutes that are due (own connection: not in a sample batch)."""
        conn = psycopg2.connect(connect_timeout=3, **self.dsn)
        try:
            with conn.cursor() as cr:
                done = process_store.refresh_aggregates(cr)
            conn.commit()
            return done
        finally:
            conn.close()

    def resume_marks(self, server_id, tag_ids):
        """(until when the server was listened to, {tag id: source time of its last stored
        value})."""
        conn = self._connect()
        with conn.cursor() as cr:
            cr.execute('SELECT listened_until FROM mes_opcua_server WHERE id = %s', [server_id])
            row = cr.fetchone()
            # per tag the newest row of its unique index: in the last two days' partitions
            # first (a constant bound prunes the others), then across all for the rest
            recent = datetime.datetime.utcnow() - datetime.timedelta(days=2)
            cr.execute('SELECT t.id, (SELECT max(v.source_ts) FROM mes_process_value_data v '
                       'WHERE v.tag_id = t.id AND v.source_ts >= %s) '
                       'FROM unnest(%s::int[]) t(id)', [recent, list(tag_ids)])
            last = {tag: ts for tag, ts in cr.fetchall() if ts}
            missing = [tag for tag in tag_ids if tag not in last]
            if missing:
                cr.execute('SELECT t.id, (SELECT max(v.source_ts) FROM mes_process_value_data v '
                           'WHERE v.tag_id = t.id) FROM unnest(%s::int[]) t(id)', [missing])
                last.update({tag: ts for tag, ts in cr.fetchall() if ts})
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
                       s.auth_type, s.username, s.password, t.gap_tolerance,
                       t.compression_error, t.compression_max_interval
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
                'compression': row[21] or 0.0, 'max_interval': row[22] or 0,
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
                 watch_interval=1.0, on_events=None, max_pending=50000,
                 aggregate_interval=5.0):
        self.store = store
        self.shard = shard
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.watch_interval = watch_interval
        self.on_events = on_events
        # values waiting in memory while a write is under way before they go to the spool
        self.max_pending = max_pending
        self.aggregate_interval = aggregate_interval
        self.samples = []
        self.events = []
        self.excursions = set()
        self.counters = {}
        self.count_deltas = {}
        self.last_state = {}
        self.last_sample = {}
        self.last_source = {}
        self.doors = {}  # tag id -> SwingingDoor (tags with a compression error)
        self.pending = {}  # tag id -> the sample the door may still store
        self.listening = {}  # server id -> since when it is subscribed and resumed
        self.heard = {}  # server id -> publish time of its last message (keep-alives too)
        self.listened_at = 0.0
        self.stopping = asyncio.Event()
        self.resumed = asyncio.Event()  # set while the spool has room (back-pressure)
        self.resumed.set()
        self.alarmed = False
        self.received = 0
        self.backfilled = 0
        self.compress_in = 0  # values given to a swinging door
        self.compress_out = 0  # of those, stored

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
        # (has_limits may be NULL in the database: a bool, so that None is not a crossing)
        outside = bool(tag['meaning'] == 'parameter' and tag['has_limits'] and
                       numeric is not None and (numeric < tag['lower'] or numeric > tag['upper']))
        sample = (tag['id'], _ts(source_ts), numeric, None if status == 'Good' else status,
                  backfilled)
        if tag.get('compression') and not backfilled and source:
            self._compress(tag, sample, source, numeric, status,
                           crossing=outside != (tag['id'] in self.excursions))
        else:
            self.samples.append(sample)
        if backfilled and tag['meaning'] != 'parameter':
            return  # counters and states count from now on; limits are checked in the past too
        if tag['meaning'] == 'parameter' and tag['has_limits'] and numeric is not None:
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

    def _compress(self, tag, sample, source, numeric, status, crossing):
        """Swinging door per tag: store what keeps the rebuilt trend within the tag's
        compression error of every reported value; limit crossings, non-Good and text values
        are always stored (the excursion starts and ends at a stored value)."""
        door = self.doors.get(tag['id'])
        if door is None:
            door = self.doors[tag['id']] = SwingingDoor(tag['compression'],
                                                        tag.get('max_interval') or None)
        at = (source - _EPOCH).total_seconds()
        previous = self.pending.get(tag['id'])  # (time, sample) the door holds back
        valid = numeric is not None and not math.isnan(numeric)
        force = not valid or status != 'Good' or crossing
        if force:
            points = door.force(at, numeric) if valid else door.flush()
        else:
            points = door.add(at, numeric)
        stored = []
        for point_at, _value in points:
            if point_at == at:
                stored.append(sample)
            elif previous is not None and point_at == previous[0]:
                stored.append(previous[1])
        if force and sample not in stored:
            stored.append(sample)  # a text or NaN value: stored as reported
        self.samples.extend(stored)
        self.compress_in += 1
        self.compress_out += len(stored)
        candidate = door.candidate
        if candidate is None:
            self.pending.pop(tag['id'], None)
        elif candidate[0] == at:
            self.pending[tag['id']] = (at, sample)

    def release_doors(self, tag_ids=None):
        """Store the last value each door holds back (a stop, a lost connection)."""
        for tag_id in list(self.doors):
            if tag_ids is not None and tag_id not in tag_ids:
                continue
            door = self.doors.pop(tag_id)
            previous = self.pending.pop(tag_id, None)
            points = door.flush()
            if points and previous is not None and points[0][0] == previous[0]:
                self.samples.append(previous[1])
                self.compress_out += 1

    def event(self, server, tag, kind, date_from, date_to=None, value=None, state=None,
              message=None):
        self.events.append({
            'server_id': server['id'], 'tag_id': tag['id'] if tag else None,
            'equipment_id': tag['equipment_id'] if tag else None, 'kind': kind,
            'date_from': _ts(date_from), 'date_to': _ts(date_to), 'value': value,
            'state': state, 'message': message,
        })

    # -- writing -----------------------------------------------------------------------
    def take_batch(self, heartbeat=True):
        """What is waiting in memory, as one batch (None when there is nothing)."""
        beat = heartbeat and bool(self.listening) and \
            time.monotonic() - self.listened_at >= 1.0
        if not self.samples and not self.events and not beat:
            return None
        batch = {'samples': self.samples, 'events': self.events,
                 'counts': [[equipment, total, good]
                            for equipment, (total, good) in self.count_deltas.items()],
                 # until when the server was heard (not this clock: a connection that
                 # died unnoticed must not extend it)
                 'listened': [[server_id, _ts(self.heard[server_id])]
                              for server_id in self.listening if self.heard.get(server_id)]
                 if heartbeat else []}
        if heartbeat:
            self.listened_at = time.monotonic()
        self.samples, self.events, self.count_deltas = [], [], {}
        return batch

    def flush(self):
        batch = self.take_batch()
        if batch is not None:
            self._save(batch)

    def _save(self, batch):
        stored = self.store.save(batch)
        if stored and batch['events'] and self.on_events:
            self.on_events()
        return stored

    def _spill(self, batch):
        """Back-pressure: the database is still busy with the last batch and values pile
        up: they wait in the spool (replayed in order before the next write)."""
        size = self.store.spool(batch)
        _logger.info('database behind: %d values spooled (spool %d bytes)',
                     len(batch['samples']), size)
        return size

    def _check_spool(self, size):
        """Alarm once past the alarm level; at the limit stop listening until the spool is
        back under half of it (each tag's silence is then read back or recorded)."""
        limit = self.store.spool_limit
        if size >= limit * self.store.spool_alarm and not self.alarmed:
            self.alarmed = True
            _logger.warning('collector spool %s at %d%% of its limit (%d bytes)',
                            self.store.spool_path, size * 100 // limit, limit)
            self.events.append({
                'server_id': None, 'tag_id': None, 'equipment_id': None, 'kind': 'spool',
                'date_from': _ts(datetime.datetime.utcnow()), 'date_to': None,
                'value': float(size), 'state': None,
                'message': _lt('The collector of shard %(shard)s spools faster than the '
                               'database takes: %(size)d of %(limit)d bytes used; at the limit '
                               'it stops listening and reads the history back later.') % {
                                   'shard': self.shard, 'size': size, 'limit': limit}})
        if size >= limit and self.resumed.is_set():
            _logger.warning('collector spool full: not listening until it drains')
            self.resumed.clear()
        elif size < limit / 2 and not self.resumed.is_set():
            _logger.info('collector spool drained: listening again')
            self.resumed.set()
        if size < limit * self.store.spool_alarm / 2:
            self.alarmed = False

    async def writer(self):
        loop = asyncio.get_running_loop()
        inflight = None
        aggregating = None  # the aggregate refresh: beside the writes, not in their way
        aggregated_at = time.monotonic()
        while not self.stopping.is_set():
            await asyncio.sleep(self.flush_interval)
            if inflight is not None and not inflight.done():
                if len(self.samples) >= self.max_pending:
                    batch = self.take_batch(heartbeat=False)
                    size = await loop.run_in_executor(None, self._spill, batch)
                    self._check_spool(size)
                continue
            if inflight is not None:
                self._finished(inflight)
            if time.monotonic() - aggregated_at >= self.aggregate_interval and (
                    aggregating is None or aggregating.done()):
                aggregated_at = time.monotonic()
                if not self.store.spool_pending():
                    aggregating = loop.run_in_executor(None, self._aggregate)
            if self.samples or self.events or self.store.spool_pending() or (
                    self.listening and time.monotonic() - self.listened_at >= 1.0):
                batch = self.take_batch()
                inflight = loop.run_in_executor(None, self._write_sync, batch)
        for task in (inflight, aggregating):
            if task is not None:
                await asyncio.wait([task])
        if inflight is not None:
            self._finished(inflight)
        self.release_doors()
        self._write_sync(self.take_batch())
        self._check_spool(self.store.spool_size())

    def _finished(self, inflight):
        try:
            inflight.result()
        except Exception:  # noqa: BLE001 - kept in the spool or in the database; retried
            _logger.exception('writing a batch failed')
        if not self.resumed.is_set() or self.alarmed:
            self._check_spool(self.store.spool_size())

    def _write_sync(self, batch):
        if batch is None:
            if self.store.spool_pending() and self.store.replay() and self.on_events:
                self.on_events()
        else:
            self._save(batch)

    def _aggregate(self):
        try:
            self.store.refresh_aggregates()
        except psycopg2.Error as error:  # the Odoo job catches up
            _logger.info('aggregates not refreshed now (%s)', error)

    # -- one server ------------------------------------------------------------------------
    async def serve(self, server):
        from asyncua import Client, ua
        backoff = 0.5
        lost_at = None
        while not self.stopping.is_set():
            if not self.resumed.is_set():  # the spool is full: wait for the database
                await self.resumed.wait()
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
                    if not self.resumed.is_set():
                        raise ConnectionError('the collector spool is full')
                    await asyncio.wait_for(client.nodes.server_state.read_value(),
                                           timeout=max(2.0, self.watch_interval * 2))
            except (OSError, asyncio.TimeoutError, ua.UaError, ConnectionError,
                    asyncio.CancelledError, Exception) as error:  # noqa: BLE001
                self.listening.pop(server['id'], None)
                # what the doors hold back was received: stored before the hole
                self.release_doors({tag['id'] for tag in server['tags']})
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
            # (with compression the values after the last stored one were received but held
            # back: a crash loses them, so the hole of a compressed tag starts at its last
            # stored value, and is read back from the history however short)
            compressed = bool(tag.get('compression'))
            last = max([t for t in (_utc(stored.get(tag['id'])), seen.get(tag['id']),
                                    _utc(listened) if stored.get(tag['id']) and not compressed
                                    else None) if t],
                       default=None)
            allowed = self.allowed_silence(tag, keepalive)
            threshold = tag['sampling'] / 1000.0 if compressed else allowed
            if last is None or (resumed - last).total_seconds() <= threshold:
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
