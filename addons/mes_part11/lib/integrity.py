"""Record integrity for 21 CFR Part 11: canonical content hashes and the audit hash chain.

Plain Python, no ORM: the same functions seal entries inside Odoo and verify them from a
command line, a cron or a test.

Chain rule: entry ``n`` carries ``seq = n`` (1, 2, 3... without gaps), ``prev_hash`` equal
to the ``entry_hash`` of entry ``n - 1`` (``GENESIS`` for the first) and
``entry_hash = sha256(prev_hash + "\\n" + canonical_json(payload))`` where the payload holds
every column that matters, ``seq`` included. Editing a row breaks its own hash, deleting a
row leaves a gap and a ``prev_hash`` that points nowhere, swapping rows breaks the links
of both; cutting off the tail is caught by comparing with the recorded chain head.
"""
import hashlib
import json

GENESIS = '0' * 64

# Columns of an audit entry that are sealed into its hash, in the order they are selected.
ENTRY_FIELDS = (
    'seq', 'operation', 'res_model', 'res_id', 'field_name', 'old_value', 'new_value',
    'old_display', 'new_display', 'user_id', 'user_name', 'company_id', 'timestamp', 'reason',
    'origin',
)


# Who the user was when the entry was made (Annex 11 2025 draft, FDA's 2024 Q&A: role and
# time zone). Sealed when present: entries sealed before these existed keep their hashes.
OPTIONAL_FIELDS = ('user_roles', 'user_tz')


def canonical_json(value):
    """One byte string per content: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False,
                      allow_nan=False, default=str).encode('utf-8')


def content_hash(content):
    """SHA-256 (hex) of a record's canonical content (a JSON-able dict)."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


def entry_digest(prev_hash, payload):
    """Hash of one chain entry given its predecessor's hash and its own payload."""
    digest = hashlib.sha256(prev_hash.encode('ascii'))
    digest.update(b'\n')
    digest.update(canonical_json(payload))
    return digest.hexdigest()


# The canonical JSON of a payload, built without a dict and a sort per entry: the verifier's
# hot path (about twice as fast as ``canonical_json``, byte for byte the same for the types a
# row holds; any other type, or only some optional fields present, falls back to
# ``canonical_json``).
_BASE = len(ENTRY_FIELDS)
_JSON_OF = {str: json.encoder.encode_basestring, int: int.__repr__,
            type(None): lambda _value: 'null'}


def _template(fields):
    order = sorted(range(len(fields)), key=fields.__getitem__)
    return ('{' + ','.join('"%s":%%s' % fields[i] for i in order) + '}', [3 + i for i in order])


_PLAIN = _template(ENTRY_FIELDS)
_FULL = _template(ENTRY_FIELDS + OPTIONAL_FIELDS)


def payload_of(row):
    """The sealed payload of a verifier row ``(id, prev_hash, entry_hash, *ENTRY_FIELDS,
    *OPTIONAL_FIELDS)`` (the optional ones only when set)."""
    payload = dict(zip(ENTRY_FIELDS, row[3:3 + _BASE]))
    payload.update({key: value for key, value in zip(OPTIONAL_FIELDS, row[3 + _BASE:])
                    if value is not None})
    return payload


def row_digest(row):
    """``entry_digest`` of a verifier row (see ``payload_of``)."""
    optional = row[3 + _BASE:]
    if not any(value is not None for value in optional):
        template, order = _PLAIN
    elif all(value is not None for value in optional) and len(optional) == len(OPTIONAL_FIELDS):
        template, order = _FULL
    else:
        return entry_digest(row[1], payload_of(row))
    try:
        text = template % tuple([_JSON_OF[row[i].__class__](row[i]) for i in order])
    except KeyError:
        return entry_digest(row[1], payload_of(row))
    return hashlib.sha256(b'%s\n%s' % (row[1].encode('ascii'), text.encode('utf-8'))).hexdigest()


def seal(entries, head_seq, head_hash):
    """Give each payload dict its ``seq``, ``prev_hash`` and ``entry_hash``, in order.

    :param entries: list of payload dicts (without seq); modified in place
    :returns: (last_seq, last_hash), the new chain head
    """
    seq, prev = head_seq, head_hash
    for entry in entries:
        seq += 1
        entry['seq'] = seq
        payload = {key: entry.get(key) for key in ENTRY_FIELDS}
        payload.update({key: entry[key] for key in OPTIONAL_FIELDS
                        if entry.get(key) is not None})
        entry['prev_hash'] = prev
        entry['entry_hash'] = prev = entry_digest(prev, payload)
    return seq, prev


def first_broken(rows, head=None):
    """Walk entries in chain order; return the id of the first one that does not verify.

    :param rows: iterable of tuples ``(id, prev_hash, entry_hash, *ENTRY_FIELDS,
                 *OPTIONAL_FIELDS)`` ordered by ``seq`` (the optional ones may be left out)
    :param head: optional ``(seq, hash)`` recorded as the chain's head; a chain that ends
                 before it was cut: the result is then ``-1`` (no surviving entry to name)
    :returns: an entry id, ``-1`` for a cut tail, or ``None`` when everything verifies
    """
    expected_seq, expected_prev = 1, GENESIS
    for row in rows:
        entry_id, prev_hash, entry_hash = row[0], row[1], row[2]
        if row[3] != expected_seq or prev_hash != expected_prev or row_digest(row) != entry_hash:
            return entry_id
        expected_seq += 1
        expected_prev = entry_hash
    if head is not None and (head[0] or 0) > 0:
        if head[0] != expected_seq - 1 or head[1] != expected_prev:
            return -1
    return None


# The one query both the application and the command line verify with (no ORM needed).
VERIFY_SELECT = """
    SELECT id, prev_hash, entry_hash, seq, operation, res_model, res_id, field_name,
           old_value, new_value, old_display, new_display, user_id, user_name, company_id,
           to_char(timestamp, 'YYYY-MM-DD HH24:MI:SS'), reason, origin, user_roles, user_tz
      FROM mes_audit_entry
  ORDER BY seq
"""
HEAD_SELECT = 'SELECT last_seq, last_hash FROM mes_audit_head WHERE id = 1'
LAST_ENTRY_SELECT = 'SELECT id FROM mes_audit_entry ORDER BY seq DESC LIMIT 1'


def verify_database(connection, itersize=20000):
    """Verify the chain through a DB-API (psycopg2) connection, inside its transaction.

    :returns: (first broken entry id or None, number of entries read)
    """
    with connection.cursor() as cr:
        cr.execute(HEAD_SELECT)
        head = cr.fetchone()
    counted = [0]

    def rows(cursor):
        for row in cursor:
            counted[0] += 1
            yield row

    with connection.cursor('mes_audit_verify') as stream:
        stream.itersize = itersize
        stream.execute(VERIFY_SELECT)
        broken = first_broken(rows(stream), head=head)
    if broken == -1:
        with connection.cursor() as cr:
            cr.execute(LAST_ENTRY_SELECT)
            last = cr.fetchone()
        broken = last[0] if last else -1
    return broken, counted[0]
