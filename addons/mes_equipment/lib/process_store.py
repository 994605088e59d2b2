"""Storage of process values at plant scale: SQL only (psycopg2 cursor), shared by the
collector (no ORM) and the Odoo models.

- ``mes_process_value_data`` is partitioned by source time, one partition per UTC day named
  ``mes_process_value_pYYYYMMDD``, created ahead by a job (``ensure_partitions``); a default
  partition takes values outside them (a machine clock years off) so that a batch never
  fails on its time, and its rows move into the day's partition when that is created.
  The row is lean (id, tag, source time, value, status when not Good, backfilled): the work
  order and production are derived from the work center's time records when read, and
  summarized per production (``mes.process.summary``). Indexes: the unique key (tag, source
  time) per partition, id (the ORM reads by id), BRIN on source time (time-only scans).
  The ORM model reads the view ``mes_process_value`` over it (Odoo knows tables and views,
  not partitioned tables); a view on one table takes ORM inserts through to it.
- Values are written with ``COPY`` into a temporary staging table, then inserted with ``ON
  CONFLICT (tag_id, source_ts) DO NOTHING`` (a value is stored once, whoever sends it twice);
  the (tag, minute) buckets they touch are queued in the same transaction.
- ``refresh_aggregates`` recomputes queued buckets from the raw values (so an aggregate always
  equals a recomputation, late and backfilled values included) and the hours that contain
  them from the minutes.

Time out of limits: a stored value holds until the tag's next stored value (at most
``HOLD_LIMIT``: beyond, the collector records a data gap instead); a value outside the tag's
limits counts its hold time in its own bucket, so that buckets add up over hours and
productions. An excursion starts at a value outside the limits whose previous value was not.
"""
import datetime
import io

from psycopg2 import sql

HOLD_LIMIT = 3600  # seconds a stored value may hold for the time out of limits
# a minute is aggregated once it is this old (late values re-queue it anyway)
SETTLE_SECONDS = 5

DAY = datetime.timedelta(days=1)


def partition_name(day):
    return 'mes_process_value_p%s' % day.strftime('%Y%m%d')


def _relkind(cr, name):
    cr.execute("SELECT c.relkind FROM pg_class c WHERE c.relname = %s "
               "AND c.relnamespace = current_schema()::regnamespace", [name])
    row = cr.fetchone()
    return row[0] if row else None


def create_storage(cr, days_ahead=7, today=None):
    """Create the partitioned table and the aggregate queue if missing; a table of the
    previous layout (one unpartitioned row per sample) is renamed
    ``mes_process_value_legacy`` and its rows copied into the partitions (returns how many)."""
    copied = 0
    legacy = _relkind(cr, 'mes_process_value') == 'r'
    if legacy:
        cr.execute('ALTER TABLE mes_process_value RENAME TO mes_process_value_legacy')
        cr.execute("SELECT conname FROM pg_constraint WHERE conrelid = "
                   "'mes_process_value_legacy'::regclass AND contype IN ('p', 'u', 'f')")
        for (name,) in cr.fetchall():
            cr.execute(sql.SQL('ALTER TABLE mes_process_value_legacy DROP CONSTRAINT {}')
                       .format(sql.Identifier(name)))
        cr.execute("SELECT indexname FROM pg_indexes WHERE tablename = "
                   "'mes_process_value_legacy'")
        for (name,) in cr.fetchall():
            cr.execute(sql.SQL('DROP INDEX IF EXISTS {}').format(sql.Identifier(name)))
    if _relkind(cr, 'mes_process_value_data') != 'p':
        cr.execute("""
            CREATE SEQUENCE IF NOT EXISTS mes_process_value_id_seq AS bigint;
            CREATE TABLE mes_process_value_data (
                id bigint NOT NULL DEFAULT nextval('mes_process_value_id_seq'),
                source_ts timestamp NOT NULL,
                value double precision,
                tag_id integer NOT NULL REFERENCES mes_opcua_tag (id) ON DELETE RESTRICT,
                backfilled boolean,
                status varchar
            ) PARTITION BY RANGE (source_ts);
            ALTER SEQUENCE mes_process_value_id_seq OWNED BY mes_process_value_data.id;
            CREATE TABLE mes_process_value_default PARTITION OF mes_process_value_data DEFAULT;
            ALTER TABLE mes_process_value_data ADD CONSTRAINT mes_process_value_tag_time_unique
                UNIQUE (tag_id, source_ts);
            CREATE INDEX mes_process_value_id_index ON mes_process_value_data (id);
            CREATE INDEX mes_process_value_time_brin ON mes_process_value_data
                USING brin (source_ts) WITH (pages_per_range = 32);
        """)
    if _relkind(cr, 'mes_process_value') != 'v':
        cr.execute("""
            CREATE VIEW mes_process_value AS
                SELECT id, source_ts, value, tag_id, backfilled, status
                  FROM mes_process_value_data;
            COMMENT ON VIEW mes_process_value IS 'Process Value';
            ALTER VIEW mes_process_value ALTER COLUMN id
                SET DEFAULT nextval('mes_process_value_id_seq');
        """)
    cr.execute("""
        CREATE TABLE IF NOT EXISTS mes_process_aggregate_queue (
            tag_id integer NOT NULL,
            bucket timestamp NOT NULL,
            seq bigint NOT NULL,
            retry_after timestamp,
            PRIMARY KEY (tag_id, bucket));
        CREATE SEQUENCE IF NOT EXISTS mes_process_aggregate_queue_seq AS bigint;
    """)
    today = today or datetime.datetime.utcnow().date()
    first = today - DAY
    if legacy:
        cr.execute('SELECT min(source_ts)::date FROM mes_process_value_legacy')
        first = min(filter(None, [cr.fetchone()[0], first]))
    ensure_partitions(cr, first, today + days_ahead * DAY)
    if legacy:
        # (an older table may lack the later columns: backfilled came with 19.0.1.1)
        cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = "
                   "'mes_process_value_legacy' AND table_schema = current_schema()")
        columns = {row[0] for row in cr.fetchall()}
        cr.execute(sql.SQL("""
            INSERT INTO mes_process_value_data (tag_id, source_ts, value, status, backfilled)
            SELECT tag_id, source_ts, value, {status}, {backfilled}
              FROM mes_process_value_legacy
                ON CONFLICT (tag_id, source_ts) DO NOTHING""").format(
            status=sql.SQL("NULLIF(status, 'Good')" if 'status' in columns else 'NULL'),
            backfilled=sql.SQL('COALESCE(backfilled, FALSE)' if 'backfilled' in columns
                               else 'FALSE')))
        copied = cr.rowcount
        cr.execute("""
            INSERT INTO mes_process_aggregate_queue (tag_id, bucket, seq)
            SELECT DISTINCT tag_id, date_trunc('minute', source_ts),
                   nextval('mes_process_aggregate_queue_seq')
              FROM mes_process_value_legacy
                ON CONFLICT DO NOTHING""")
        cr.execute('DROP TABLE mes_process_value_legacy')
    return copied


def drop_storage(cr):
    """Everything ``create_storage`` made (the addon is uninstalled)."""
    cr.execute("""
        DROP VIEW IF EXISTS mes_process_value;
        DROP TABLE IF EXISTS mes_process_value_data CASCADE;
        DROP SEQUENCE IF EXISTS mes_process_value_id_seq;
        DROP TABLE IF EXISTS mes_process_aggregate_queue;
        DROP SEQUENCE IF EXISTS mes_process_aggregate_queue_seq;
    """)


def partitions(cr):
    """[(name, first day, day after the last)] of the day partitions, in order."""
    cr.execute("""
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'mes_process_value_data'::regclass AND c.relname ~ '_p[0-9]{8}$'
      ORDER BY c.relname""")
    result = []
    for (name,) in cr.fetchall():
        day = datetime.datetime.strptime(name[-8:], '%Y%m%d').date()
        result.append((name, day, day + DAY))
    return result


def ensure_partitions(cr, first_day, last_day):
    """Create the day partitions from ``first_day`` to ``last_day`` (included) that do not
    exist; values already in the default partition for such a day move into it. Returns
    the names created."""
    existing = {name for name, _a, _b in partitions(cr)}
    created = []
    day = first_day
    while day <= last_day:
        name = partition_name(day)
        if name not in existing:
            start, stop = datetime.datetime.combine(day, datetime.time()), \
                datetime.datetime.combine(day + DAY, datetime.time())
            # (PostgreSQL refuses a partition whose range has rows in the default one)
            cr.execute('CREATE TEMP TABLE IF NOT EXISTS mes_pv_moving '
                       '(LIKE mes_process_value_data) ON COMMIT DROP')
            cr.execute('WITH moved AS (DELETE FROM mes_process_value_default WHERE source_ts '
                       '>= %s AND source_ts < %s RETURNING *) '
                       'INSERT INTO mes_pv_moving SELECT * FROM moved', [start, stop])
            moved = cr.rowcount
            cr.execute(sql.SQL('CREATE TABLE {} PARTITION OF mes_process_value_data FOR VALUES '
                               'FROM (%s) TO (%s)').format(sql.Identifier(name)), [start, stop])
            if moved:
                cr.execute('INSERT INTO mes_process_value_data SELECT * FROM mes_pv_moving')
            cr.execute('TRUNCATE mes_pv_moving')
            created.append(name)
        day += DAY
    return created


_STAGE = """
    CREATE TEMP TABLE IF NOT EXISTS mes_pv_stage (
        tag_id integer, source_ts timestamp, value double precision, status varchar,
        backfilled boolean) ON COMMIT DELETE ROWS
"""


def _copy_text(value):
    if value is None:
        return '\\N'
    if isinstance(value, bool):
        return 't' if value else 'f'
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return text.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace(
        '\r', '\\r')


def _as_datetime(value):
    return value if isinstance(value, datetime.datetime) else \
        datetime.datetime.fromisoformat(value)


def write_values(cr, rows):
    """Store ``rows`` ([(tag id, source time (naive UTC datetime or ISO text), value or
    None, status or None for Good, backfilled)]) in the caller's transaction; values
    already stored (same tag and source time) are skipped. Returns how many were new."""
    if not rows:
        return 0
    cr.execute(_STAGE)
    buffer = io.StringIO()
    for row in rows:
        buffer.write('\t'.join(_copy_text(item) for item in row))
        buffer.write('\n')
    buffer.seek(0)
    raw = getattr(cr, '_obj', cr)  # an Odoo cursor wraps the psycopg2 one
    raw.copy_expert('COPY mes_pv_stage (tag_id, source_ts, value, status, backfilled) '
                    'FROM STDIN', buffer)
    cr.execute("""
        INSERT INTO mes_process_value_data (tag_id, source_ts, value, status, backfilled)
        SELECT DISTINCT ON (tag_id, source_ts) tag_id, source_ts, value,
               NULLIF(status, 'Good'), COALESCE(backfilled, FALSE)
          FROM mes_pv_stage
      ORDER BY tag_id, source_ts
            ON CONFLICT (tag_id, source_ts) DO NOTHING""")
    inserted = cr.rowcount
    if inserted:
        cr.execute("""
            INSERT INTO mes_process_aggregate_queue (tag_id, bucket, seq)
            SELECT tag_id, date_trunc('minute', source_ts),
                   nextval('mes_process_aggregate_queue_seq')
              FROM mes_pv_stage GROUP BY 1, 2
                ON CONFLICT (tag_id, bucket) DO UPDATE SET seq = EXCLUDED.seq, retry_after = NULL""")
    times = [_as_datetime(row[1]) for row in rows if row[4]] if inserted else []
    if times:
        # a value read back into a hole shortens the hold of the value before it, which
        # may lie in an earlier minute (live values arrive in order: the minute before
        # waits for its next value anyway)
        cr.execute("""
            INSERT INTO mes_process_aggregate_queue (tag_id, bucket, seq)
            SELECT DISTINCT s.tag_id, date_trunc('minute', p.source_ts),
                   nextval('mes_process_aggregate_queue_seq')
              FROM mes_pv_stage s CROSS JOIN LATERAL (
                SELECT d.source_ts FROM mes_process_value_data d
                 WHERE d.tag_id = s.tag_id AND d.source_ts < s.source_ts
                   AND d.source_ts >= s.source_ts - interval '%s seconds'
                   AND d.source_ts >= %%(low)s AND d.source_ts < %%(high)s
              ORDER BY d.source_ts DESC LIMIT 1) p
             WHERE s.backfilled
               AND date_trunc('minute', p.source_ts) < date_trunc('minute', s.source_ts)
                ON CONFLICT (tag_id, bucket) DO UPDATE SET seq = EXCLUDED.seq, retry_after = NULL
        """ % HOLD_LIMIT, {'low': min(times) - datetime.timedelta(seconds=HOLD_LIMIT),
                             'high': max(times)})
    cr.execute('TRUNCATE mes_pv_stage')
    return inserted


def queue_buckets(cr, tag_id, date_from, date_to):
    """Queue every minute of ``tag_id`` from ``date_from`` to ``date_to`` for aggregation
    (after values were added or removed by a path other than ``write_values``)."""
    cr.execute("""
        INSERT INTO mes_process_aggregate_queue (tag_id, bucket, seq)
        SELECT %s, m, nextval('mes_process_aggregate_queue_seq')
          FROM generate_series(date_trunc('minute', %s::timestamp),
                               date_trunc('minute', %s::timestamp), interval '1 minute') m
            ON CONFLICT (tag_id, bucket) DO UPDATE SET seq = EXCLUDED.seq, retry_after = NULL""",
               [tag_id, date_from, date_to])


# one row per (tag, minute): from the raw values of the minute, the one before it (for the
# excursion start) and the next one after each (for the hold time). The constant time range
# (low, high) lets the planner keep only the partitions it covers: a per-row range alone
# would be pruned at run time, for every minute, across a year of partitions.
_MINUTES = """
    WITH q(tag_id, bucket) AS (SELECT * FROM unnest(%(tags)s::int[], %(buckets)s::timestamp[])),
    pts AS (
        SELECT q.tag_id, q.bucket, v.source_ts, v.value, v.inside
          FROM q CROSS JOIN LATERAL (
            (SELECT p.source_ts, p.value, FALSE AS inside FROM mes_process_value_data p
              WHERE p.tag_id = q.tag_id AND p.source_ts < q.bucket
                AND p.source_ts >= %(low)s AND p.source_ts < %(high)s
                AND p.source_ts >= q.bucket - interval '%(hold)s seconds'
           ORDER BY p.source_ts DESC LIMIT 1)
            UNION ALL
            (SELECT p.source_ts, p.value, TRUE FROM mes_process_value_data p
              WHERE p.tag_id = q.tag_id AND p.source_ts >= q.bucket
                AND p.source_ts >= %(low)s AND p.source_ts < %(high)s
                AND p.source_ts < q.bucket + interval '1 minute')
            UNION ALL
            (SELECT p.source_ts, p.value, FALSE FROM mes_process_value_data p
              WHERE p.tag_id = q.tag_id AND p.source_ts >= q.bucket + interval '1 minute'
                AND p.source_ts >= %(low)s AND p.source_ts < %(high)s
                AND p.source_ts < q.bucket + interval '1 minute'
                                  + interval '%(hold)s seconds'
           ORDER BY p.source_ts LIMIT 1)) v
    ),
    w AS (
        SELECT pts.*, t.has_limits AND (pts.value < t.lower_limit
                                        OR pts.value > t.upper_limit) AS outside,
               LAG(t.has_limits AND (pts.value < t.lower_limit OR pts.value > t.upper_limit))
                   OVER o AS prev_outside,
               LEAD(pts.source_ts) OVER o AS next_ts
          FROM pts JOIN mes_opcua_tag t ON t.id = pts.tag_id
        WINDOW o AS (PARTITION BY pts.tag_id, pts.bucket ORDER BY pts.source_ts)
    )
    SELECT tag_id, bucket, min(value), max(value), sum(value), count(value),
           min(source_ts), (array_agg(value ORDER BY source_ts))[1],
           max(source_ts), (array_agg(value ORDER BY source_ts DESC))[1],
           -- (LEAST ignores a NULL: a value without a next one holds for nothing yet)
           COALESCE(sum(CASE WHEN next_ts IS NULL THEN 0 ELSE LEAST(
                             EXTRACT(EPOCH FROM next_ts - source_ts), %(hold)s) END)
                    FILTER (WHERE outside), 0),
           count(*) FILTER (WHERE outside AND NOT COALESCE(prev_outside, FALSE)),
           bool_or(next_ts IS NOT NULL) FILTER (WHERE source_ts = last_ts)
      FROM (SELECT w.*, max(source_ts) FILTER (WHERE inside)
                            OVER (PARTITION BY tag_id, bucket) AS last_ts FROM w) x
     WHERE inside
  GROUP BY tag_id, bucket
"""

_UPSERT = """
    INSERT INTO mes_process_aggregate (tag_id, resolution, bucket, value_min, value_max,
        value_sum, value_count, first_ts, first_value, last_ts, last_value,
        out_of_limit_seconds, excursion_count, refreshed)
    VALUES {rows}
    ON CONFLICT (tag_id, resolution, bucket) DO UPDATE SET
        value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max,
        value_sum = EXCLUDED.value_sum, value_count = EXCLUDED.value_count,
        first_ts = EXCLUDED.first_ts, first_value = EXCLUDED.first_value,
        last_ts = EXCLUDED.last_ts, last_value = EXCLUDED.last_value,
        out_of_limit_seconds = EXCLUDED.out_of_limit_seconds,
        excursion_count = EXCLUDED.excursion_count, refreshed = EXCLUDED.refreshed
"""

_HOURS = """
    INSERT INTO mes_process_aggregate (tag_id, resolution, bucket, value_min, value_max,
        value_sum, value_count, first_ts, first_value, last_ts, last_value,
        out_of_limit_seconds, excursion_count, refreshed)
    SELECT a.tag_id, 'hour', h.hour, min(a.value_min), max(a.value_max), sum(a.value_sum),
           sum(a.value_count), min(a.first_ts),
           (array_agg(a.first_value ORDER BY a.first_ts))[1], max(a.last_ts),
           (array_agg(a.last_value ORDER BY a.last_ts DESC))[1],
           sum(a.out_of_limit_seconds), sum(a.excursion_count), now() at time zone 'utc'
      FROM (SELECT DISTINCT * FROM unnest(%s::int[], %s::timestamp[])) h(tag_id, hour)
      JOIN mes_process_aggregate a ON a.tag_id = h.tag_id AND a.resolution = 'minute'
       AND a.bucket >= h.hour AND a.bucket < h.hour + interval '1 hour'
  GROUP BY a.tag_id, h.hour
        ON CONFLICT (tag_id, resolution, bucket) DO UPDATE SET
        value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max,
        value_sum = EXCLUDED.value_sum, value_count = EXCLUDED.value_count,
        first_ts = EXCLUDED.first_ts, first_value = EXCLUDED.first_value,
        last_ts = EXCLUDED.last_ts, last_value = EXCLUDED.last_value,
        out_of_limit_seconds = EXCLUDED.out_of_limit_seconds,
        excursion_count = EXCLUDED.excursion_count, refreshed = EXCLUDED.refreshed
"""


def refresh_aggregates(cr, limit=20000, settle=SETTLE_SECONDS, now=None):
    """Aggregate queued minutes older than ``settle`` seconds (and the hours holding them)
    from the raw values, in the caller's transaction. A minute whose last value has no
    successor yet stays queued (its hold time is not known) unless it is older than the
    hold limit (looked at again a minute later, or as soon as a value re-queues it).
    Returns the number of minutes refreshed."""
    now = now or datetime.datetime.utcnow()
    cr.execute('SELECT tag_id, bucket, seq FROM mes_process_aggregate_queue '
               'WHERE bucket < %s AND (retry_after IS NULL OR retry_after <= %s) '
               'ORDER BY bucket LIMIT %s',
               [now - datetime.timedelta(seconds=60 + settle), now, limit])
    queued = cr.fetchall()
    if not queued:
        return 0
    hold = datetime.timedelta(seconds=HOLD_LIMIT)
    cr.execute(_MINUTES, {'tags': [row[0] for row in queued],
                          'buckets': [row[1] for row in queued], 'hold': HOLD_LIMIT,
                          'low': min(row[1] for row in queued) - hold,
                          'high': max(row[1] for row in queued) + hold +
                          datetime.timedelta(minutes=1)})
    minutes = cr.fetchall()
    stamp = now
    if minutes:
        values = []
        for row in minutes:
            values.extend([row[0], 'minute', row[1]] + list(row[2:12]) + [stamp])
        for start in range(0, len(minutes), 1000):
            chunk = values[start * 14:(start + 1000) * 14]
            cr.execute(_UPSERT.format(rows=', '.join(
                ['(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)'] *
                (len(chunk) // 14))), chunk)
    # a queued minute without values (they were removed) has no aggregate any more
    found = {(row[0], row[1]) for row in minutes}
    empty = [(tag, bucket) for tag, bucket, _seq in queued if (tag, bucket) not in found]
    if empty:
        cr.execute("DELETE FROM mes_process_aggregate a USING unnest(%s::int[], "
                   "%s::timestamp[]) e(tag_id, bucket) WHERE a.tag_id = e.tag_id AND "
                   "a.resolution = 'minute' AND a.bucket = e.bucket",
                   [[e[0] for e in empty], [e[1] for e in empty]])
    hours = {(tag, bucket.replace(minute=0)) for tag, bucket, _seq in queued}
    hour_list = sorted(hours)
    cr.execute("DELETE FROM mes_process_aggregate a USING unnest(%s::int[], "
               "%s::timestamp[]) h(tag_id, hour) WHERE a.tag_id = h.tag_id AND "
               "a.resolution = 'hour' AND a.bucket = h.hour",
               [[h[0] for h in hour_list], [h[1] for h in hour_list]])
    cr.execute(_HOURS, [[h[0] for h in hour_list], [h[1] for h in hour_list]])
    # done: minutes whose hold time is known (or will not be); a minute queued again
    # meanwhile (another sequence number) stays queued
    hold_limit = now - datetime.timedelta(seconds=HOLD_LIMIT + 60)
    open_tail = {(row[0], row[1]) for row in minutes
                 if not row[12] and row[1] >= hold_limit}
    done = [(tag, bucket, seq) for tag, bucket, seq in queued
            if (tag, bucket) not in open_tail]
    if open_tail:
        # looked at again when the next value arrives (re-queued) or in a while
        cr.execute('UPDATE mes_process_aggregate_queue q SET retry_after = %s FROM '
                   'unnest(%s::int[], %s::timestamp[]) o(tag_id, bucket) WHERE '
                   'q.tag_id = o.tag_id AND q.bucket = o.bucket',
                   [now + datetime.timedelta(seconds=60), [o[0] for o in open_tail],
                    [o[1] for o in open_tail]])
    if done:
        cr.execute('DELETE FROM mes_process_aggregate_queue q USING unnest(%s::int[], '
                   '%s::timestamp[], %s::bigint[]) d(tag_id, bucket, seq) WHERE '
                   'q.tag_id = d.tag_id AND q.bucket = d.bucket AND q.seq = d.seq',
                   [[d[0] for d in done], [d[1] for d in done], [d[2] for d in done]])
    return len(queued)


# -- retention and archives ---------------------------------------------------------------
ARCHIVE_HEADER = 'mes_process_values v1: tag_id,source_ts,value,status,backfilled'


def partition_tags(cr, name):
    """Tags with values in partition ``name`` (a skip scan of its unique index)."""
    cr.execute(sql.SQL("""
        WITH RECURSIVE t AS (
            SELECT min(tag_id) AS id FROM {p}
             UNION ALL
            SELECT (SELECT min(tag_id) FROM {p} WHERE tag_id > t.id) FROM t
             WHERE t.id IS NOT NULL)
        SELECT id FROM t WHERE id IS NOT NULL""").format(p=sql.Identifier(name)))
    return [row[0] for row in cr.fetchall()]


def archive_bytes(cr, name, tag_ids):
    """The values of ``tag_ids`` in partition ``name`` as a gzip CSV file (deterministic:
    the same rows give the same bytes, so that its SHA-256 identifies them) and the row
    count."""
    import csv
    import gzip
    cr.execute(sql.SQL('SELECT tag_id, source_ts, value, status, backfilled FROM {} '
                       'WHERE tag_id = ANY(%s) ORDER BY tag_id, source_ts')
               .format(sql.Identifier(name)), [list(tag_ids)])
    text = io.StringIO()
    text.write(ARCHIVE_HEADER + '\n')
    writer = csv.writer(text, lineterminator='\n')
    count = 0
    for tag_id, source_ts, value, status, backfilled in cr.fetchall():
        writer.writerow([tag_id, source_ts.isoformat(sep=' '),
                         '' if value is None else repr(value), status or '',
                         't' if backfilled else 'f'])
        count += 1
    return gzip.compress(text.getvalue().encode(), compresslevel=9, mtime=0), count


def read_archive(data, tag_ids=None, start=None, stop=None):
    """Rows ``(tag id, source time, value, status, backfilled)`` of an archive file."""
    import csv
    import gzip
    lines = gzip.decompress(data).decode().splitlines()
    if not lines or lines[0] != ARCHIVE_HEADER:
        raise ValueError('not a process value archive')
    wanted = set(tag_ids) if tag_ids is not None else None
    rows = []
    for tag_id, source_ts, value, status, backfilled in csv.reader(lines[1:]):
        tag_id = int(tag_id)
        if wanted is not None and tag_id not in wanted:
            continue
        at = datetime.datetime.fromisoformat(source_ts)
        if (start and at < start) or (stop and at > stop):
            continue
        rows.append((tag_id, at, float(value) if value else None, status or None,
                     backfilled == 't'))
    return rows


def drop_partition(cr, name):
    cr.execute(sql.SQL('ALTER TABLE mes_process_value_data DETACH PARTITION {}')
               .format(sql.Identifier(name)))
    cr.execute(sql.SQL('DROP TABLE {}').format(sql.Identifier(name)))


# value-level figures of one tag over time ranges (the edges of a production's windows,
# where minute aggregates would count values outside them): same definitions as _MINUTES
_RANGES = """
    WITH q(tag_id, a, b) AS (SELECT * FROM unnest(%(tags)s::int[], %(starts)s::timestamp[],
                                                  %(stops)s::timestamp[])),
    pts AS (
        SELECT q.tag_id, q.a, v.source_ts, v.value, v.inside
          FROM q CROSS JOIN LATERAL (
            (SELECT p.source_ts, p.value, FALSE AS inside FROM mes_process_value_data p
              WHERE p.tag_id = q.tag_id AND p.source_ts < q.a
                AND p.source_ts >= q.a - interval '%(hold)s seconds'
                AND p.source_ts >= %(low)s AND p.source_ts < %(high)s
           ORDER BY p.source_ts DESC LIMIT 1)
            UNION ALL
            (SELECT p.source_ts, p.value, TRUE FROM mes_process_value_data p
              WHERE p.tag_id = q.tag_id AND p.source_ts >= q.a AND p.source_ts < q.b
                AND p.source_ts >= %(low)s AND p.source_ts < %(high)s)
            UNION ALL
            (SELECT p.source_ts, p.value, FALSE FROM mes_process_value_data p
              WHERE p.tag_id = q.tag_id AND p.source_ts >= q.b
                AND p.source_ts < q.b + interval '%(hold)s seconds'
                AND p.source_ts >= %(low)s AND p.source_ts < %(high)s
           ORDER BY p.source_ts LIMIT 1)) v
    ),
    w AS (
        SELECT pts.*, t.has_limits AND (pts.value < t.lower_limit
                                        OR pts.value > t.upper_limit) AS outside,
               LAG(t.has_limits AND (pts.value < t.lower_limit OR pts.value > t.upper_limit))
                   OVER o AS prev_outside,
               LEAD(pts.source_ts) OVER o AS next_ts
          FROM pts JOIN mes_opcua_tag t ON t.id = pts.tag_id
        WINDOW o AS (PARTITION BY pts.tag_id, pts.a ORDER BY pts.source_ts)
    )
    SELECT tag_id, min(value), max(value), sum(value), count(value),
           COALESCE(sum(CASE WHEN next_ts IS NULL THEN 0 ELSE LEAST(
                             EXTRACT(EPOCH FROM next_ts - source_ts), %(hold)s) END)
                    FILTER (WHERE outside), 0),
           count(*) FILTER (WHERE outside AND NOT COALESCE(prev_outside, FALSE))
      FROM w WHERE inside GROUP BY tag_id
"""


def range_figures(cr, tag_id, ranges):
    """(min, max, sum, count, seconds out of limits, excursions) of the stored values of
    ``tag_id`` in ``ranges`` ([(start, stop)], stop excluded)."""
    ranges = [(a, b) for a, b in ranges if b > a]
    if not ranges:
        return None, None, 0.0, 0, 0.0, 0
    hold = datetime.timedelta(seconds=HOLD_LIMIT)
    # (each range its own row in q: the LAG / LEAD run within one range)
    result = [None, None, 0.0, 0, 0.0, 0]
    for start, stop in ranges:
        cr.execute(_RANGES, {'tags': [tag_id], 'starts': [start], 'stops': [stop],
                             'hold': HOLD_LIMIT, 'low': start - hold, 'high': stop + hold})
        row = cr.fetchone()
        if not row or not row[4]:
            continue
        result[0] = row[1] if result[0] is None else min(result[0], row[1])
        result[1] = row[2] if result[1] is None else max(result[1], row[2])
        result[2] += row[3] or 0.0
        result[3] += row[4]
        result[4] += float(row[5] or 0.0)
        result[5] += row[6]
    return tuple(result)


def summarize(cr, tag_id, windows):
    """Figures of ``tag_id`` over ``windows`` ([(start, stop)]): the whole minutes inside
    them from the minute aggregates, the partial minutes at their edges from the raw values.
    Returns (min, max, sum, count, seconds out of limits, excursions)."""
    minute = datetime.timedelta(minutes=1)
    inner, edges = [], []
    for start, stop in windows:
        first = start.replace(second=0, microsecond=0)
        if first < start:
            first += minute
        last = stop.replace(second=0, microsecond=0)
        if last - first >= minute:
            inner.append((first, last))
            edges.extend([(start, first), (last, stop)])
        else:
            edges.append((start, stop))
    total = list(range_figures(cr, tag_id, edges))
    for first, last in inner:
        cr.execute("SELECT min(value_min), max(value_max), sum(value_sum), sum(value_count), "
                   "sum(out_of_limit_seconds), sum(excursion_count) FROM mes_process_aggregate "
                   "WHERE tag_id = %s AND resolution = 'minute' AND bucket >= %s AND bucket < %s",
                   [tag_id, first, last])
        row = cr.fetchone()
        if not row[3]:
            continue
        total[0] = row[0] if total[0] is None else min(total[0], row[0])
        total[1] = row[1] if total[1] is None else max(total[1], row[1])
        total[2] += row[2]
        total[3] += int(row[3])
        total[4] += row[4]
        total[5] += int(row[5])
    return tuple(total)


def excursions(cr, tag_id, windows, lower, upper):
    """[(start, stop or None, peak)] of the excursions (runs of values outside [lower,
    upper]) that start in ``windows``: from the raw values of the minutes whose aggregate
    counts time out of limits (and the minute after, where a run ends)."""
    runs = []
    for start, stop in windows:
        cr.execute("SELECT bucket FROM mes_process_aggregate WHERE tag_id = %s AND "
                   "resolution = 'minute' AND bucket >= %s AND bucket < %s AND "
                   "(out_of_limit_seconds > 0 OR excursion_count > 0) ORDER BY bucket",
                   [tag_id, start.replace(second=0, microsecond=0), stop])
        buckets = [row[0] for row in cr.fetchall()]
        spans = []
        for bucket in buckets:
            if spans and bucket - spans[-1][1] <= datetime.timedelta(minutes=1):
                spans[-1][1] = bucket
            else:
                spans.append([bucket, bucket])
        for first, last in spans:
            cr.execute('SELECT source_ts, value FROM mes_process_value_data WHERE tag_id = %s '
                       'AND source_ts >= %s AND source_ts < %s ORDER BY source_ts',
                       [tag_id, max(first, start), last + datetime.timedelta(
                           seconds=60 + HOLD_LIMIT)])
            values = cr.fetchall()
            # an excursion under way when the span starts began before it: not one of its
            # own (the same rule as the excursion count of the aggregates)
            cr.execute('SELECT value FROM mes_process_value_data WHERE tag_id = %s AND '
                       'source_ts < %s AND source_ts >= %s ORDER BY source_ts DESC LIMIT 1',
                       [tag_id, max(first, start), max(first, start) - datetime.timedelta(
                           seconds=HOLD_LIMIT)])
            before = cr.fetchone()
            continued = bool(before and before[0] is not None and (
                before[0] < lower or before[0] > upper))
            run = None
            for at, value in values:
                outside = value is not None and (value < lower or value > upper)
                if not outside:
                    continued = False
                if run is None and outside and at <= stop and not continued:
                    run = [at, None, value]
                elif run is not None and outside:
                    run[2] = value if abs(value - (lower + upper) / 2) > abs(
                        run[2] - (lower + upper) / 2) else run[2]
                elif run is not None:
                    run[1] = at
                    runs.append(tuple(run))
                    run = None
                    if at > last + datetime.timedelta(minutes=1):
                        break
            if run is not None:
                runs.append(tuple(run))
    return runs


def figures_of(values, windows, lower=None, upper=None):
    """The figures of ``summarize`` and the runs of ``excursions`` computed from a list of
    ``(source time, value)`` in time order that covers the windows (and the values just
    before and after them): for values no longer in the table (read from an archive).
    Returns ((min, max, sum, count, seconds out of limits, excursions), runs)."""
    limits = lower is not None and upper is not None

    def outside(value):
        return limits and value is not None and (value < lower or value > upper)
    low = high = None
    total, count, out, starts, runs, run = 0.0, 0, 0.0, 0, [], None
    values = [(at, value) for at, value in values if value is not None]
    for index, (at, value) in enumerate(values):
        if not any(a <= at < b for a, b in windows):
            if run is not None and not outside(value):
                run[1] = at
                runs.append(tuple(run))
                run = None
            continue
        low = value if low is None else min(low, value)
        high = value if high is None else max(high, value)
        total += value
        count += 1
        nxt = values[index + 1][0] if index + 1 < len(values) else None
        before = values[index - 1][1] if index else None
        if outside(value):
            if nxt is not None:
                out += min((nxt - at).total_seconds(), HOLD_LIMIT)
            if not outside(before):
                starts += 1
                run = [at, None, value]
            elif run is not None and abs(value - (lower + upper) / 2) > abs(
                    run[2] - (lower + upper) / 2):
                run[2] = value
        elif run is not None:
            run[1] = at
            runs.append(tuple(run))
            run = None
    if run is not None:
        runs.append(tuple(run))
    return (low, high, total, count, out, starts), runs
