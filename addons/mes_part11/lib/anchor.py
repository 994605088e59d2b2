"""Anchoring the audit chain outside the database: signed checkpoints of the chain head.

The hash chain (``integrity``) proves that nobody changed an entry without also rewriting
every later entry and the chain head; a database superuser can do exactly that. Checkpoints
close the gap: the chain head (database uuid, entry number, entry hash, UTC time) is signed
with an Ed25519 key that lives in a file on the application server, never in PostgreSQL, and
appended to a log file outside the database. A rewritten chain no longer matches a signed
checkpoint, and nobody without the key can sign a new one.

Plain Python (no ORM): the application, the command-line verifier and the tests share it.

The log holds one JSON object per line (canonical JSON, see ``integrity.canonical_json``):

``{"type": "key", "line": n, "prev": <sha256 of line n-1>, "db": uuid, "epoch": e,
"key": <key id>, "public_key": <base64>, "prev_key": ..., "prev_public_key": ...,
"time": ..., "by": ..., "reason": ..., "sig": <by the new key>, "prev_sig": <by the old key>}``
starts a key epoch. The new key vouches for the old public key and the old key for the new
one, so old checkpoints stay verifiable from either end.

``{"type": "checkpoint", "line": n, "prev": ..., "db": uuid, "epoch": e, "key": <key id>,
"seq": <entry number>, "hash": <its entry_hash>, "time": ..., "reason": ..., "ref": ...,
"sig": ...}`` anchors the chain head.

Line numbers and ``prev`` (the SHA-256 of the previous line, ``GENESIS`` for the first) are
signed too: a line taken out, moved or replaced shows, and so does a forged one.
"""
import base64
import binascii
import configparser
import fcntl
import hashlib
import json
import os
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from . import integrity

FORMAT = 1
GENESIS = integrity.GENESIS
KEY_MODE = 0o600
DIR_MODE = 0o700
# the reasons a checkpoint is written (the application names them; the log keeps the code)
REASONS = ('hourly', 'on_demand', 'qa_release', 'master_approval', 'key_rotation',
           'signature')


class AnchorError(Exception):
    """A checkpoint cannot be written or verified; ``code`` says why (see FINDINGS)."""

    def __init__(self, code, **params):
        self.code = code
        self.params = params
        super().__init__(describe({'code': code, **params}))


SECTION = 'mes_part11'


def _section(rc_file):
    """The ``[mes_part11]`` section of the server's configuration file (as OCA queue_job keeps
    its own section: Odoo warns about unknown keys in ``[options]``)."""
    if not rc_file or not os.path.exists(rc_file):
        return {}
    parser = configparser.RawConfigParser()
    parser.read(rc_file)
    return dict(parser.items(SECTION)) if parser.has_section(SECTION) else {}


def configured_paths(option, data_dir, dbname, rc_file=None):
    """(signing key file, checkpoint log file) of database ``dbname``: ``mes_audit_key_file``
    and ``mes_audit_checkpoint_log`` from ``option(name)`` (the server options, set on the
    command line or at run time) or else the ``[mes_part11]`` section of the configuration
    file ``rc_file``; ``{db}`` in them stands for the database name, ``{data_dir}`` for the data
    directory. Default: ``{data_dir}/mes_audit/{db}/``."""
    section = _section(rc_file)
    base = os.path.join('{data_dir}', 'mes_audit', '{db}')
    key = option('mes_audit_key_file') or section.get('mes_audit_key_file') \
        or os.path.join(base, 'checkpoint_ed25519.pem')
    log = option('mes_audit_checkpoint_log') or section.get('mes_audit_checkpoint_log') \
        or os.path.join(base, 'checkpoints.jsonl')
    return tuple(os.path.normpath(path.replace('{data_dir}', data_dir).replace('{db}', dbname))
                 for path in (key, log))


# -- keys -------------------------------------------------------------------------------------
def key_id(public_raw):
    """A short, stable name of a public key: the first 32 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:32]


def public_raw(key):
    """The 32 raw bytes of a public key (of a private key's public half)."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(public_raw_bytes):
    """The public key as PEM (SubjectPublicKeyInfo): what administrators export and give to
    auditors, customers and the command-line verifier."""
    key = Ed25519PublicKey.from_public_bytes(public_raw_bytes)
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode('ascii')


def read_public_keys(text):
    """Raw public keys from PEM text (one or several PEM blocks; a private key gives its
    public half). Raises ``AnchorError('bad_public_key')`` when there is none."""
    if isinstance(text, bytes):
        text = text.decode('ascii', 'replace')
    keys = []
    for block in text.split('-----BEGIN ')[1:]:
        pem = ('-----BEGIN ' + block).encode('ascii', 'replace')
        try:
            if ' PRIVATE KEY-----' in block.split('\n', 1)[0]:
                key = serialization.load_pem_private_key(pem, password=None)
            else:
                key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError) as error:
            raise AnchorError('bad_public_key', detail=str(error)) from error
        if not isinstance(key, (Ed25519PublicKey, Ed25519PrivateKey)):
            raise AnchorError('bad_public_key', detail='not an Ed25519 key')
        keys.append(public_raw(key))
    if not keys:
        raise AnchorError('bad_public_key', detail='no PEM block found')
    return keys


def load_private_key(path):
    """The signing key in ``path``, or None when the file does not exist."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise AnchorError('key_unreadable', path=path, detail=error.strerror) from error
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise AnchorError('key_unreadable', path=path, detail=str(error)) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise AnchorError('key_unreadable', path=path, detail='not an Ed25519 key')
    return key


def _fsync_dir(path):
    fd = os.open(os.path.dirname(os.path.abspath(path)) or '.', os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_parent(path):
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        os.makedirs(parent, mode=DIR_MODE, exist_ok=True)


def write_new_key(path):
    """Generate a key and write it to ``path`` (owner read/write only; never overwrites).

    :returns: the private key
    """
    _make_parent(path)
    key = Ed25519PrivateKey.generate()
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    # O_EXCL: two processes starting at once cannot both create (and one overwrite) a key;
    # the mode is set at creation, so the key is never readable by others, not even briefly
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE)
    try:
        os.fchmod(fd, KEY_MODE)  # whatever the umask
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path)
    return key


def sign(key, body):
    return base64.b64encode(key.sign(integrity.canonical_json(body))).decode('ascii')


def signature_valid(public_raw_bytes, body, signature):
    try:
        Ed25519PublicKey.from_public_bytes(public_raw_bytes).verify(
            base64.b64decode(signature, validate=True), integrity.canonical_json(body))
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return False
    return True


def utc_now():
    return datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


# -- the log ----------------------------------------------------------------------------------
def line_bytes(line):
    return integrity.canonical_json(line) + b'\n'


def line_hash(raw):
    """SHA-256 of one line as written (without its newline)."""
    return hashlib.sha256(raw.rstrip(b'\n')).hexdigest()


def body_of(line):
    """What the signatures of a line cover: everything but the signatures (and the parser's
    own ``_hash`` / ``_pos``)."""
    return {k: v for k, v in line.items() if k not in ('sig', 'prev_sig') and k[:1] != '_'}


class CheckpointLog:
    """The append-only checkpoint log file. Appends hold an exclusive ``flock`` on the file,
    read the last line, write one complete line in one ``write`` and ``fsync`` it: concurrent
    writers (threads, workers, servers sharing the file) never interleave or tear lines, and
    line numbers stay consecutive."""

    def __init__(self, path):
        self.path = path

    def exists(self):
        return os.path.exists(self.path)

    def read(self):  # pylint: disable=method-required-super
        """The whole log (bytes), or None when there is no file."""
        try:
            with open(self.path, 'rb') as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def append(self, make_lines):
        """Append the lines ``make_lines(last)`` returns, under the lock, in one write.

        ``last`` is ``{'line': n, 'hash': sha256, 'lines': [parsed lines]}`` of the log as it
        is (``line`` 0 and ``GENESIS`` when empty); ``make_lines`` returns a list (chain its
        lines with ``after``). Returns the lines written, each with its ``_hash``.
        """
        try:
            _make_parent(self.path)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
        except OSError as error:
            raise AnchorError('log_unwritable', path=self.path,
                              detail=error.strerror or str(error)) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            data = os.pread(fd, size, 0) if size else b''
            parsed, _problems = parse(data)
            last = {'line': 0, 'hash': GENESIS, 'lines': parsed}
            if parsed:
                last.update(line=parsed[-1]['line'], hash=parsed[-1]['_hash'])
            lines = make_lines(last)
            if not lines:
                return []
            raws = [line_bytes(line) for line in lines]
            raw = b''.join(raws)
            if data and not data.endswith(b'\n'):
                # a line torn by a crash stays visible (the verifier reports it) and is not
                # glued to the next one
                raw = b'\n' + raw
            written = os.write(fd, raw)
            if written != len(raw):
                raise AnchorError('log_unwritable', path=self.path,
                                  detail='short write (%d of %d bytes)' % (written, len(raw)))
            os.fsync(fd)
            if not size:
                _fsync_dir(self.path)
            return [dict(line, _hash=line_hash(one)) for line, one in zip(lines, raws)]
        except OSError as error:
            raise AnchorError('log_unwritable', path=self.path,
                              detail=error.strerror or str(error)) from error
        finally:
            os.close(fd)  # releases the lock


def after(line):
    """The ``last`` a line chained after ``line`` needs."""
    return {'line': line['line'], 'hash': line_hash(line_bytes(line)), 'lines': []}


def parse(data):
    """Parse a log: ``(lines, problems)``; each line is its dict plus ``_hash`` (of its raw
    bytes) and ``_pos`` (its position in the file, from 1). A line that is not a JSON object
    with a line number is a problem (``log_malformed``), never silently skipped."""
    lines, problems = [], []
    for pos, raw in enumerate((data or b'').split(b'\n'), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            line = None
        if not isinstance(line, dict) or not isinstance(line.get('line'), int) \
                or line.get('type') not in ('key', 'checkpoint'):
            problems.append({'code': 'log_malformed', 'position': pos})
            continue
        line['_hash'] = line_hash(raw)
        line['_pos'] = pos
        lines.append(line)
    return lines, problems


def key_line(last, db, epoch, new_key, old_key=None, by=None, reason=None, time=None):
    """The line that starts key epoch ``epoch`` with ``new_key`` (signed by it, and by
    ``old_key`` when there is one)."""
    new_raw = public_raw(new_key)
    old_raw = public_raw(old_key) if old_key else None
    line = {
        'v': FORMAT, 'type': 'key', 'line': last['line'] + 1, 'prev': last['hash'], 'db': db,
        'epoch': epoch, 'key': key_id(new_raw),
        'public_key': base64.b64encode(new_raw).decode('ascii'),
        'prev_key': key_id(old_raw) if old_raw else None,
        'prev_public_key': base64.b64encode(old_raw).decode('ascii') if old_raw else None,
        'time': time or utc_now(), 'by': by, 'reason': reason,
    }
    line['sig'] = sign(new_key, line)
    line['prev_sig'] = sign(old_key, body_of(line)) if old_key else None
    return line


def checkpoint_line(last, db, epoch, key, seq, chain_hash, reason, ref=None, time=None):
    line = {
        'v': FORMAT, 'type': 'checkpoint', 'line': last['line'] + 1, 'prev': last['hash'],
        'db': db, 'epoch': epoch, 'key': key_id(public_raw(key)), 'seq': seq,
        'hash': chain_hash, 'time': time or utc_now(), 'reason': reason, 'ref': ref,
    }
    line['sig'] = sign(key, line)
    return line


def epochs_of(lines, db):
    """The key lines of database ``db``, in log order."""
    return [line for line in lines if line['type'] == 'key' and line.get('db') == db]


def current_epoch(lines, db, key):
    """The epoch number ``key`` (a private key) signs for in database ``db``, or None when the
    log has no key line for it."""
    kid = key_id(public_raw(key))
    epoch = None
    for line in epochs_of(lines, db):
        if line.get('key') == kid and signature_valid(public_raw(key), body_of(line),
                                                      line.get('sig')):
            epoch = line['epoch']
    return epoch


# -- verification -----------------------------------------------------------------------------
FINDINGS = {
    'entry_broken': 'Audit entry %(seq)s (id %(entry_id)s) does not match its hash chain: it '
                    'was altered, removed or moved outside the application.',
    'chain_rewritten': 'The audit trail was rewritten: entry %(checkpoint_seq)s no longer has '
                       'the hash signed in checkpoint line %(line)s (%(time)s). Entries after '
                       'the last good checkpoint (entry %(good_seq)s) cannot be trusted; the '
                       'first of them is entry %(seq)s (id %(entry_id)s).',
    'chain_cut': 'The audit trail ends at entry %(last_seq)s, but checkpoint line %(line)s '
                 '(%(time)s) anchored entry %(checkpoint_seq)s: entries were deleted.',
    'checkpoint_forged': 'Checkpoint log line %(line)s is not signed by a checkpoint key of '
                         'this database (%(detail)s): it was forged or altered.',
    'key_forged': 'Key line %(line)s of the checkpoint log (epoch %(epoch)s) is not signed by '
                  'a trusted key: a key was introduced outside a rotation.',
    'log_cut': 'The checkpoint log was cut: %(detail)s.',
    'log_reordered': 'The checkpoint log was reordered: line %(line)s stands at position '
                     '%(position)s, after line %(after)s.',
    'log_altered': 'Checkpoint log line %(line)s does not follow line %(after)s (its link to '
                   'the previous line is wrong): lines were replaced or inserted.',
    'log_malformed': 'Checkpoint log line at position %(position)s is not a checkpoint (torn '
                     'or edited).',
    'log_missing': 'The checkpoint log %(path)s is missing although %(count)s checkpoints were '
                   'written.',
    'log_unwritable': 'The checkpoint log %(path)s cannot be written: %(detail)s.',
    'key_missing': 'The checkpoint signing key %(path)s is missing: no checkpoint can be '
                   'signed, and checkpoints are verified only against public keys kept '
                   'elsewhere.',
    'key_unreadable': 'The checkpoint signing key %(path)s cannot be read: %(detail)s.',
    'key_unregistered': 'The checkpoint signing key %(path)s is not a key of this database\'s '
                        'checkpoint log: it was replaced outside a rotation.',
    'bad_public_key': 'Not an Ed25519 public key: %(detail)s.',
    'no_trusted_key': 'No public key to verify the checkpoints against.',
}


def describe(finding):
    """English text of a finding (the command line prints it; the application translates
    its own copy of these texts)."""
    template = FINDINGS.get(finding.get('code'), finding.get('code') or '?')
    params = {k: ('?' if v is None else v) for k, v in finding.items()}
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template


def check_log(lines, problems, recorded_last_line=None):
    """Findings about the log itself: malformed, cut, reordered or altered lines.

    :param recorded_last_line: the last line number the database recorded writing to this
        log (None to skip the check: a copy kept elsewhere may legitimately be older)
    """
    findings = list(problems)
    numbers = [line['line'] for line in lines]
    highest = 0
    for line in lines:
        if line['line'] < highest:
            findings.append({'code': 'log_reordered', 'line': line['line'],
                             'position': line['_pos'], 'after': highest})
            break
        highest = max(highest, line['line'])
    present = set(numbers)
    missing = [n for n in range(1, (max(numbers) if numbers else 0) + 1) if n not in present]
    if missing:
        findings.append({'code': 'log_cut', 'detail': 'line%s %s missing' % (
            's' if len(missing) > 1 else '', _ranges(missing))})
    if recorded_last_line and (max(numbers) if numbers else 0) < recorded_last_line:
        findings.append({'code': 'log_cut', 'detail': 'it ends at line %d, but line %d was '
                         'written' % (max(numbers) if numbers else 0, recorded_last_line)})
    # the links: each line names the hash of the one before it (by number)
    by_number = {}
    for line in lines:
        by_number.setdefault(line['line'], line)
    for number in sorted(by_number):
        line = by_number[number]
        before = by_number.get(number - 1)
        expected = GENESIS if number == 1 else (before['_hash'] if before else None)
        if expected is not None and line.get('prev') != expected:
            findings.append({'code': 'log_altered', 'line': number, 'after': number - 1})
            break
    return findings


def _ranges(numbers):
    parts, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            parts.append(str(start) if start == n else '%d-%d' % (start, n))
            start = None
    return ', '.join(parts)


def trusted_keys(lines, db, anchors):
    """The public keys (raw) trusted for database ``db``: the ``anchors`` (the signing key's
    public half, or public keys given by an auditor) and every key a trusted key vouches for
    through a key line (a rotation is signed by the old and the new key). Returns
    ``(keys, findings)``; a key line no trusted key signed is a finding."""
    trusted = set(anchors)
    key_lines = epochs_of(lines, db)
    changed = True
    while changed:
        changed = False
        for line in key_lines:
            new = _b64(line.get('public_key'))
            old = _b64(line.get('prev_public_key'))
            body = body_of(line)
            if new in trusted and old and old not in trusted and \
                    signature_valid(new, body, line.get('sig')):
                trusted.add(old)
                changed = True
            if old in trusted and new and new not in trusted and line.get('prev_sig') and \
                    signature_valid(old, body, line.get('prev_sig')):
                trusted.add(new)
                changed = True
    findings = []
    for line in key_lines:
        new = _b64(line.get('public_key'))
        if new not in trusted or not signature_valid(new, body_of(line), line.get('sig')):
            findings.append({'code': 'key_forged', 'line': line['line'],
                             'epoch': line.get('epoch')})
    return trusted, findings


def _b64(text):
    try:
        return base64.b64decode(text, validate=True) if text else None
    except (binascii.Error, ValueError, TypeError):
        return None


def valid_checkpoints(lines, db, trusted):
    """The checkpoints of ``db`` whose signature verifies under a trusted key (sorted by
    entry number), and a finding for every other one."""
    by_id = {key_id(raw): raw for raw in trusted}
    good, findings = [], []
    for line in lines:
        if line['type'] != 'checkpoint' or line.get('db') != db:
            continue
        raw = by_id.get(line.get('key'))
        if raw is None:
            findings.append({'code': 'checkpoint_forged', 'line': line['line'],
                             'detail': 'unknown key %s' % line.get('key')})
        elif not signature_valid(raw, body_of(line), line.get('sig')):
            findings.append({'code': 'checkpoint_forged', 'line': line['line'],
                             'detail': 'the signature does not verify'})
        elif not isinstance(line.get('seq'), int) or not isinstance(line.get('hash'), str):
            findings.append({'code': 'checkpoint_forged', 'line': line['line'],
                             'detail': 'no entry number or hash'})
        elif line['seq'] > 0:  # (a checkpoint of an empty trail anchors nothing)
            good.append(line)
    good.sort(key=lambda line: (line['seq'], line['line']))
    return good, findings


def walk_chain(rows, checkpoints, head=None):
    """One pass over the chain: each entry against its predecessor and its own hash, and
    against every checkpoint of its number.

    :param rows: ``(id, prev_hash, entry_hash, *integrity.ENTRY_FIELDS)`` in ``seq`` order
    :param checkpoints: valid checkpoint lines, sorted by ``seq``
    :param head: ``(seq, hash)`` of the chain head row (a cut tail shows against it)
    :returns: ``(findings, entries read, checkpoints matched)``; the walk stops at the first
        entry that cannot be trusted
    """
    digest = integrity.row_digest
    expected_seq, expected_prev = 1, GENESIS
    pending = list(checkpoints)
    index, total = 0, len(pending)
    next_seq = pending[0]['seq'] if pending else None
    good_seq, good_next_id = 0, None  # the last matching checkpoint, the entry after it
    last_id = None
    count = matched = 0
    for row in rows:
        count += 1
        entry_id, prev_hash, entry_hash, seq = row[0], row[1], row[2], row[3]
        if good_next_id is None:
            good_next_id = (entry_id, seq)
        if seq != expected_seq or prev_hash != expected_prev or digest(row) != entry_hash:
            return [{'code': 'entry_broken', 'entry_id': entry_id, 'seq': seq}], count, matched
        while next_seq is not None and next_seq <= seq:
            checkpoint = pending[index]
            if checkpoint['seq'] < seq or checkpoint['hash'] != entry_hash:
                first_id, first_seq = good_next_id
                return [{'code': 'chain_rewritten', 'line': checkpoint['line'],
                         'time': checkpoint.get('time'), 'checkpoint_seq': checkpoint['seq'],
                         'good_seq': good_seq, 'entry_id': first_id, 'seq': first_seq}], \
                    count, matched
            matched += 1
            good_seq, good_next_id = seq, None
            index += 1
            next_seq = pending[index]['seq'] if index < total else None
        expected_seq += 1
        expected_prev = entry_hash
        last_id = entry_id
    last_seq = expected_seq - 1
    if next_seq is not None:
        checkpoint = pending[index]
        first = good_next_id or (last_id, last_seq)
        return [{'code': 'chain_cut', 'line': checkpoint['line'], 'time': checkpoint.get('time'),
                 'checkpoint_seq': checkpoint['seq'], 'last_seq': last_seq,
                 'entry_id': first[0], 'seq': first[1]}], count, matched
    if head is not None and (head[0] or 0) > 0 and (head[0] != last_seq
                                                    or head[1] != expected_prev):
        return [{'code': 'entry_broken', 'entry_id': last_id if last_id else -1,
                 'seq': last_seq}], count, matched
    return [], count, matched


def verify(rows, head, db, log_data, anchors, recorded_last_line=None):
    """Verify the chain ``rows`` of database ``db`` against the checkpoint log ``log_data``
    (bytes, or None when there is no log) with the public keys ``anchors``.

    :returns: dict ``{'findings': [...], 'entries': n, 'checkpoints': n valid,
        'matched': n compared, 'keys': n trusted}``
    """
    lines, problems = parse(log_data)
    findings = check_log(lines, problems, recorded_last_line)
    trusted, key_findings = trusted_keys(lines, db, anchors)
    findings += key_findings
    checkpoints, forged = valid_checkpoints(lines, db, trusted)
    findings += forged
    if not trusted and any(line['type'] == 'checkpoint' and line.get('db') == db
                           for line in lines):
        findings.append({'code': 'no_trusted_key'})
    chain_findings, count, matched = walk_chain(rows, checkpoints, head)
    return {'findings': chain_findings + findings, 'entries': count,
            'checkpoints': len(checkpoints), 'matched': matched, 'keys': len(trusted)}


def load_anchor_keys(key_path=None, public_key_paths=()):
    """The verifier's trust anchors: public keys from files an auditor gives, else the public
    half of the signing key. Returns ``(keys, findings)``."""
    keys, findings = [], []
    for path in public_key_paths or ():
        try:
            with open(path, 'rb') as handle:
                keys += read_public_keys(handle.read())
        except OSError as error:
            raise AnchorError('bad_public_key', detail='%s: %s' % (path, error.strerror)) \
                from error
    if not public_key_paths and key_path:
        try:
            key = load_private_key(key_path)
        except AnchorError as error:
            findings.append({'code': error.code, **error.params})
            key = None
        if key is None and not findings:
            findings.append({'code': 'key_missing', 'path': key_path})
        elif key is not None:
            keys.append(public_raw(key))
    return keys, findings

