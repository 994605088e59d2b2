"""The audit chain's anchor outside the database (mes_part11/lib/anchor.py), with no Odoo and
no database: signed checkpoints, the checkpoint log, key epochs and the verifier, attacked the
way a database superuser (who can rewrite the chain) or someone editing the log would."""
import importlib
import importlib.util
import json
import multiprocessing
import os
import stat
import sys
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / 'addons' / 'mes_part11' / 'lib'


def _load():
    name = 'mes_part11_lib_anchor_test'
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, LIB / '__init__.py', submodule_search_locations=[str(LIB)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return (importlib.import_module(name + '.integrity'),
            importlib.import_module(name + '.anchor'))


integrity, anchor = _load()
DB = 'db-under-test'


def make_chain(count, start=0, prev=None):
    """Rows as the verifier reads them: (id, prev_hash, entry_hash, *ENTRY_FIELDS)."""
    entries = [{'operation': 'write', 'res_model': 'stock.lot', 'res_id': 1 + i,
                'field_name': 'mes_release_state', 'old_value': 'quarantine',
                'new_value': 'released', 'old_display': 'Quarantine',
                'new_display': 'Released', 'user_id': 2, 'user_name': 'Quentin QA',
                'company_id': 1, 'timestamp': '2026-12-03 10:%02d:00' % (i % 60),
                'reason': 'IQC-%d' % i, 'origin': 'ui'} for i in range(start, start + count)]
    integrity.seal(entries, start, prev or integrity.GENESIS)
    return [tuple([e['seq'], e['prev_hash'], e['entry_hash']]
                  + [e[f] for f in integrity.ENTRY_FIELDS]) for e in entries]


def rewrite(rows, seq, reason):
    """What a database superuser can do: change entry ``seq``, then recompute every later
    link and hash with the product's own hashing code (so that the chain verifies)."""
    rows = [list(r) for r in rows]
    prev = rows[seq - 2][2] if seq > 1 else integrity.GENESIS
    for row in rows[seq - 1:]:
        if row[3] == seq:
            row[3 + integrity.ENTRY_FIELDS.index('reason')] = reason
        row[1] = prev
        row[2] = prev = integrity.entry_digest(prev, dict(zip(integrity.ENTRY_FIELDS, row[3:])))
    return [tuple(r) for r in rows]


class Anchor:
    """A key file and a log in a temporary directory, and the application's two writes."""

    def __init__(self, tmp_path):
        self.key_path = str(tmp_path / 'keys' / 'checkpoint_ed25519.pem')
        self.log = anchor.CheckpointLog(str(tmp_path / 'log' / 'checkpoints.jsonl'))
        self.key = anchor.write_new_key(self.key_path)
        self.log.append(lambda last: [anchor.key_line(last, DB, 1, self.key, reason='first')])

    def checkpoint(self, rows, key=None):
        seq, digest = rows[-1][3], rows[-1][2]
        key = key or self.key

        def make(last):
            epoch = anchor.current_epoch(last['lines'], DB, key)
            return [anchor.checkpoint_line(last, DB, epoch, key, seq, digest, 'hourly')]
        return self.log.append(make)[0]

    def rotate(self):
        new = anchor.Ed25519PrivateKey.generate()
        old = self.key

        def make(last):
            epochs = anchor.epochs_of(last['lines'], DB)
            return [anchor.key_line(last, DB, len(epochs) + 1, new, old_key=old,
                                    reason='scheduled')]
        self.log.append(make)
        self.key = new
        return old, new

    def verify(self, rows, anchors=None, recorded=None, data=None):
        head = (rows[-1][3], rows[-1][2]) if rows else None
        return anchor.verify(iter(rows), head, DB, self.log.read() if data is None else data,
                             [anchor.public_raw(self.key)] if anchors is None else anchors,
                             recorded_last_line=recorded)


def codes(report):
    return [finding['code'] for finding in report['findings']]


def test_fast_row_digest_is_the_chain_hash():
    for row in make_chain(50):
        assert integrity.row_digest(row) == row[2]
    odd = (1, integrity.GENESIS, 'x', 1, 'write', 'm', None, None, 'a"\\\n\x01中😀', None, None,
           None, None, None, None, '2026-01-01 00:00:00', '\u2028', None)
    assert integrity.row_digest(odd) == integrity.entry_digest(
        odd[1], dict(zip(integrity.ENTRY_FIELDS, odd[3:])))


def test_roles_and_time_zone_are_sealed_only_when_recorded():
    """Entries sealed before roles and time zones were recorded keep their hashes; newer
    ones seal both, and the fast hash agrees with the reference one either way."""
    old_style = make_chain(3)
    entries = [{'operation': 'write', 'res_model': 'stock.lot', 'res_id': 7,
                'user_id': 2, 'user_roles': 'Manufacturing Execution / QA Manager',
                'user_tz': 'Asia/Shanghai', 'timestamp': '2026-12-03 10:00:00'}]
    integrity.seal(entries, 3, old_style[-1][2])
    entry = entries[0]
    row = tuple([entry['seq'], entry['prev_hash'], entry['entry_hash']]
                + [entry.get(f) for f in integrity.ENTRY_FIELDS]
                + [entry.get(f) for f in integrity.OPTIONAL_FIELDS])
    widened = [row[:3] + row[3:] + (None, None) for row in old_style]
    assert integrity.first_broken(iter(widened + [row]), head=(4, entry['entry_hash'])) is None
    assert integrity.row_digest(row) == entry['entry_hash']
    assert integrity.payload_of(row)['user_tz'] == 'Asia/Shanghai'
    assert 'user_roles' not in integrity.payload_of(widened[0])
    # the role is sealed: changing it breaks the entry
    forged = row[:3 + len(integrity.ENTRY_FIELDS)] + ('Administrator', 'Asia/Shanghai')
    assert integrity.row_digest(forged) != entry['entry_hash']
    half = row[:3 + len(integrity.ENTRY_FIELDS)] + (None, 'Asia/Shanghai')
    assert integrity.row_digest(half) == integrity.entry_digest(row[1], integrity.payload_of(half))


def test_key_file_is_owner_only_and_never_overwritten(tmp_path):
    path = tmp_path / 'k' / 'key.pem'
    key = anchor.write_new_key(str(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    with pytest.raises(FileExistsError):
        anchor.write_new_key(str(path))
    assert anchor.public_raw(anchor.load_private_key(str(path))) == anchor.public_raw(key)
    assert anchor.load_private_key(str(tmp_path / 'none.pem')) is None
    # the exported public key reads back, and a private key file gives only its public half
    pem = anchor.public_pem(anchor.public_raw(key))
    assert 'PRIVATE' not in pem
    assert anchor.read_public_keys(pem) == [anchor.public_raw(key)]
    with pytest.raises(anchor.AnchorError):
        anchor.read_public_keys('not a key')


def test_intact_chain_verifies_against_its_checkpoints(tmp_path):
    setup = Anchor(tmp_path)
    rows = make_chain(40)
    setup.checkpoint(rows[:10])
    setup.checkpoint(rows[:25])
    report = setup.verify(rows)
    assert report['findings'] == []
    assert (report['entries'], report['checkpoints'], report['matched']) == (40, 2, 2)


def test_rewritten_chain_is_caught_by_the_next_checkpoint(tmp_path):
    """The attack: edit entry 15, recompute every later hash and the head. The chain alone
    verifies; the checkpoint at entry 25 does not match any more, and the first entry after
    the last good checkpoint (entry 10) is named."""
    setup = Anchor(tmp_path)
    rows = make_chain(40)
    setup.checkpoint(rows[:10])
    cp = setup.checkpoint(rows[:25])
    forged = rewrite(rows, 15, 'backdated')
    assert integrity.first_broken(iter(forged), head=(40, forged[-1][2])) is None
    report = setup.verify(forged)
    assert codes(report) == ['chain_rewritten']
    finding = report['findings'][0]
    assert (finding['seq'], finding['entry_id'], finding['good_seq'],
            finding['checkpoint_seq'], finding['line']) == (11, 11, 10, 25, cp['line'])
    assert 'entry 11' in anchor.describe(finding)
    # a rewrite after the last checkpoint is not caught by it (the next checkpoint will)
    assert setup.verify(rewrite(rows, 30, 'later'))['findings'] == []


def test_deleted_tail_is_caught_by_a_checkpoint(tmp_path):
    setup = Anchor(tmp_path)
    rows = make_chain(30)
    setup.checkpoint(rows[:10])
    setup.checkpoint(rows)
    report = setup.verify(rows[:20])  # the head row rewritten to entry 20 as well
    assert codes(report) == ['chain_cut']
    assert (report['findings'][0]['last_seq'], report['findings'][0]['seq']) == (20, 11)


def test_forged_checkpoint_without_the_key_is_caught(tmp_path):
    """Someone without the key appends a checkpoint for the rewritten chain: signed with a key
    of their own (claiming ours), or a copy of a real line with the hash changed."""
    setup = Anchor(tmp_path)
    rows = make_chain(20)
    real = setup.checkpoint(rows[:10])
    forged_rows = rewrite(rows, 5, 'backdated')
    impostor = anchor.Ed25519PrivateKey.generate()

    def forge(last):
        line = anchor.checkpoint_line(last, DB, 1, impostor, 20, forged_rows[-1][2], 'hourly')
        line['key'] = real['key']  # claims to be ours
        line['sig'] = anchor.sign(impostor, anchor.body_of(line))
        return [line]
    setup.log.append(forge)
    report = setup.verify(forged_rows)
    assert 'checkpoint_forged' in codes(report)
    assert 'chain_rewritten' in codes(report)  # and the real checkpoint still catches it
    # an edited line (hash replaced, signature kept) is refused the same way
    data = setup.log.read().replace(real['hash'].encode(), forged_rows[9][2].encode())
    edited = setup.verify(forged_rows, data=data)
    assert 'checkpoint_forged' in codes(edited)
    # a key line of the forger's own is no trusted key either
    setup.log.append(lambda last: [anchor.key_line(last, DB, 2, impostor, reason='mine')])
    assert 'key_forged' in codes(setup.verify(rows))


def test_cut_reordered_and_torn_logs_are_reported(tmp_path):
    setup = Anchor(tmp_path)
    rows = make_chain(30)
    for end in (5, 10, 15, 20):
        setup.checkpoint(rows[:end])
    lines = setup.log.read().splitlines(keepends=True)  # key line + 4 checkpoints
    cut = b''.join(lines[:2] + lines[3:])
    report = setup.verify(rows, data=cut)
    assert 'log_cut' in codes(report) and 'line 3 missing' in report['findings'][0]['detail']
    reordered = b''.join(lines[:2] + [lines[3], lines[2]] + lines[4:])
    assert 'log_reordered' in codes(setup.verify(rows, data=reordered))
    # the tail cut: only the database's record of the last line written shows it
    tail = b''.join(lines[:3])
    assert setup.verify(rows, data=tail)['findings'] == []
    assert codes(setup.verify(rows, data=tail, recorded=5)) == ['log_cut']
    torn = b''.join(lines) + lines[1][:40]
    assert codes(setup.verify(rows, data=torn)) == ['log_malformed']
    # a line renumbered to close the gap breaks its signature and its link
    data = json.loads(lines[3])
    data['line'] = 3
    renumbered = b''.join(lines[:2] + [anchor.line_bytes(data)] + lines[4:])
    assert {'checkpoint_forged', 'log_cut'} <= set(codes(setup.verify(rows, data=renumbered)))


def test_rotation_keeps_old_checkpoints_verifiable(tmp_path):
    setup = Anchor(tmp_path)
    rows = make_chain(30)
    setup.checkpoint(rows[:10])
    old, new = setup.rotate()
    setup.checkpoint(rows[:20])
    # from the new key (the server's) back to the old epoch, and from the old key (an
    # auditor's copy) forward to the new one
    for anchors in ([anchor.public_raw(new)], [anchor.public_raw(old)]):
        report = setup.verify(rows, anchors=anchors)
        assert report['findings'] == [] and report['matched'] == 2 and report['keys'] == 2
    # the rewrite is still caught at the old epoch's checkpoint
    assert codes(setup.verify(rewrite(rows, 3, 'x'), anchors=[anchor.public_raw(new)])) == [
        'chain_rewritten']
    # a key unrelated to the log trusts nothing
    stranger = anchor.public_raw(anchor.Ed25519PrivateKey.generate())
    report = setup.verify(rows, anchors=[stranger])
    assert {'checkpoint_forged', 'key_forged'} <= set(codes(report))


def _append_many(path, key_path, count):
    key = anchor.load_private_key(key_path)
    log = anchor.CheckpointLog(path)
    for i in range(count):
        log.append(lambda last, i=i: [anchor.checkpoint_line(
            last, DB, 1, key, 1 + i, '%064x' % i, 'qa_release', 'pid %s' % os.getpid())])


def test_concurrent_writers_never_tear_or_misnumber_lines(tmp_path):
    """Four processes append 150 checkpoints each at once (as workers releasing records do):
    every line whole, numbered 1..601 in order, linked and signed."""
    setup = Anchor(tmp_path)
    context = multiprocessing.get_context('fork')
    workers = [context.Process(target=_append_many, args=(setup.log.path, setup.key_path, 150))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    lines, problems = anchor.parse(setup.log.read())
    assert problems == []
    assert [line['line'] for line in lines] == list(range(1, 602))
    assert anchor.check_log(lines, []) == []
    good, forged = anchor.valid_checkpoints(lines, DB, {anchor.public_raw(setup.key)})
    assert (len(good), forged) == (600, [])


def test_paths_come_from_the_server_configuration(tmp_path):
    """The key and the log are found from the server's configuration only: its own section of
    odoo.conf, overridden by a server option; {db} and {data_dir} are filled in."""
    rc_file = tmp_path / 'odoo.conf'
    rc_file.write_text('[options]\ndata_dir = /x\n\n[mes_part11]\n'
                       'mes_audit_key_file = {data_dir}/anchor/{db}/key.pem\n'
                       'mes_audit_checkpoint_log = /mnt/worm/{db}.jsonl\n')
    options = {}
    assert anchor.configured_paths(options.get, '/var/lib/odoo', 'mes', str(rc_file)) == (
        '/var/lib/odoo/anchor/mes/key.pem', '/mnt/worm/mes.jsonl')
    options['mes_audit_checkpoint_log'] = '/elsewhere/{db}/log.jsonl'
    assert anchor.configured_paths(options.get, '/d', 'plant2', str(rc_file))[1] == \
        '/elsewhere/plant2/log.jsonl'
    assert anchor.configured_paths({}.get, '/d', 'mes', str(tmp_path / 'none.conf')) == (
        '/d/mes_audit/mes/checkpoint_ed25519.pem', '/d/mes_audit/mes/checkpoints.jsonl')
    # the repository's own odoo.conf keeps both next to the data directory
    repo_conf = Path(__file__).resolve().parent.parent / 'odoo.conf'
    assert anchor.configured_paths({}.get, '/var/lib/odoo', 'mes', str(repo_conf)) == (
        '/var/lib/odoo/mes_audit/mes/checkpoint_ed25519.pem',
        '/var/lib/odoo/mes_audit/mes/checkpoints.jsonl')
