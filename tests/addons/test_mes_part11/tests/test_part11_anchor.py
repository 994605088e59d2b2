import base64
import os
import shutil
import stat
import tempfile

from odoo.addons.mes_part11.lib import anchor, integrity
from odoo.addons.mes_part11.models.mes_audit_checkpoint import anchor_paths
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import config, mute_logger

from .common import Part11Case


@tagged('post_install', '-at_install')
class TestAuditAnchor(Part11Case):
    """The audit chain anchored outside the database (Part 11.10(e), Annex 11 section 9):
    signed checkpoints in a log file, a key file the database never holds, the verifier
    against both, and key rotation. The anchor files live in a directory of this test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anchor_dir = tempfile.mkdtemp(prefix='mes_anchor_test_')
        cls.addClassCleanup(shutil.rmtree, cls.anchor_dir, True)
        saved = {name: config._runtime_options.get(name, None)
                 for name in ('mes_audit_key_file', 'mes_audit_checkpoint_log')}
        config['mes_audit_key_file'] = os.path.join(cls.anchor_dir, '{db}', 'signing.pem')
        config['mes_audit_checkpoint_log'] = os.path.join(cls.anchor_dir, '{db}', 'log.jsonl')

        def restore():
            for name, value in saved.items():
                config._runtime_options.pop(name, None)
                if value is not None:
                    config._runtime_options[name] = value
        cls.addClassCleanup(restore)
        cls.reviewer = cls.env['res.users'].create({
            'name': 'Rae Reviewer', 'login': 'p11_reviewer', 'password': 'p11-reviewer-Secret-1',
            'group_ids': [(6, 0, [cls.env.ref('base.group_user').id,
                                  cls.env.ref('mes_part11.group_part11_reviewer').id])]})
        cls.Entry = cls.env['mes.audit.entry']

    def setUp(self):
        super().setUp()
        # each test starts without a key and a log (files are not rolled back with the test)
        shutil.rmtree(self.anchor_dir, ignore_errors=True)
        self.key_path, self.log_path = anchor_paths(self.env.cr.dbname)

    def checkpoint(self):
        return self.env['mes.audit.checkpoint']._mes_write('on_demand')

    def log_lines(self):
        with open(self.log_path, 'rb') as handle:
            return anchor.parse(handle.read())[0]

    def rewrite_from(self, seq, reason='backdated'):
        """A database superuser's attack: edit entry ``seq``, recompute every later link and
        hash and the chain head with the product's own hashing code."""
        cr = self.env.cr
        self.Entry.flush_model()
        cr.execute('SELECT entry_hash FROM mes_audit_entry WHERE seq = %s', [seq - 1])
        prev = cr.fetchone()[0] if seq > 1 else integrity.GENESIS
        cr.execute(integrity.VERIFY_SELECT.replace('ORDER BY seq', 'WHERE seq >= %s ORDER BY seq'),
                   [seq])
        rows = cr.fetchall()
        cr.execute('ALTER TABLE mes_audit_entry DISABLE TRIGGER mes_audit_entry_no_update_delete')
        for row in rows:
            payload = integrity.payload_of(row)
            if payload['seq'] == seq:
                payload['reason'] = reason
            digest = integrity.entry_digest(prev, payload)
            cr.execute('UPDATE mes_audit_entry SET reason = %s, prev_hash = %s, entry_hash = %s '
                       'WHERE id = %s', [payload['reason'], prev, digest, row[0]])
            prev = digest
        cr.execute('UPDATE mes_audit_head SET last_hash = %s WHERE id = 1', [prev])
        cr.execute('ALTER TABLE mes_audit_entry ENABLE TRIGGER mes_audit_entry_no_update_delete')
        return rows[0][0]

    def codes(self, report):
        return [finding['code'] for finding in report['findings']]

    # -- writing ------------------------------------------------------------------------------
    def test_first_checkpoint_creates_the_key_outside_the_database(self):
        record = self.new_record()
        checkpoint = self.checkpoint()
        self.env.cr.execute('SELECT last_seq, last_hash FROM mes_audit_head')
        head = self.env.cr.fetchone()
        # (the key's own record is audited after the checkpoint was signed)
        self.assertGreaterEqual(head[0], checkpoint.seq)
        self.env.cr.execute('SELECT entry_hash FROM mes_audit_entry WHERE seq = %s',
                            [checkpoint.seq])
        self.assertEqual(self.env.cr.fetchone()[0], checkpoint.chain_hash)
        self.assertTrue(self.entries(record))
        # the key file: owner read/write only; the database holds its public half only
        self.assertEqual(stat.S_IMODE(os.stat(self.key_path).st_mode), 0o600)
        with open(self.key_path, 'rb') as handle:
            private_pem = handle.read()
        secret = b''.join(private_pem.splitlines()[1:-1]).decode()
        key = self.env['mes.audit.key']._mes_active()
        self.assertEqual((key.epoch, key.state), (1, 'active'))
        self.assertNotIn('PRIVATE', key.public_key)
        for table, column in (('mes_audit_key', 'public_key'), ('ir_config_parameter', 'value'),
                              ('mes_audit_checkpoint', 'signature'),
                              ('mes_audit_entry', 'new_value')):
            self.env.cr.execute('SELECT count(*) FROM %s WHERE %s LIKE %%s' % (table, column),
                                ['%' + secret[:40] + '%'])
            self.assertEqual(self.env.cr.fetchone()[0], 0, table)
        # the log: the key line then the checkpoint, signed, linked, with this database's uuid
        key_line, line = self.log_lines()
        self.assertEqual((key_line['type'], line['type'], line['line'], line['seq']),
                         ('key', 'checkpoint', 2, checkpoint.seq))
        self.assertEqual(line['db'], self.env['ir.config_parameter'].get_param('database.uuid'))
        self.assertTrue(anchor.signature_valid(key._mes_public_raw(), anchor.body_of(line),
                                               line['sig']))
        report = self.Entry.mes_verify()
        self.assertTrue(report['intact'], report['findings'])
        self.assertEqual(report['matched'], 1)

    def test_checkpoint_is_for_reviewers_and_written_by_the_system_only(self):
        with self.assertRaises(AccessError):
            self.Entry.with_user(self.author).mes_checkpoint()
        with self.assertRaises(AccessError):
            self.Entry.with_user(self.author).mes_verify()
        result = self.Entry.with_user(self.reviewer).mes_checkpoint(reference='before audit')
        checkpoint = self.env['mes.audit.checkpoint'].browse(result['id'])
        self.assertEqual(checkpoint.line_no, result['line'])
        self.assertEqual((checkpoint.reason, checkpoint.reference), ('on_demand', 'before audit'))
        with self.assertRaises(UserError):
            self.Entry.mes_checkpoint(reason='whatever')
        # the copies cannot be forged, changed or removed, not even by an administrator or
        # with the system's context key
        admin = self.env['res.users'].create({
            'name': 'Ada Admin', 'login': 'p11_admin', 'group_ids': [(6, 0, [
                self.env.ref('base.group_system').id,
                self.env.ref('mes_part11.group_part11_manager').id])]})
        for user in (self.manager, admin):
            Checkpoint = self.env['mes.audit.checkpoint'].with_user(user).with_context(
                mes_anchoring=True)
            with self.assertRaises(UserError):
                Checkpoint.create({
                    'line_no': 99, 'db_uuid': 'x', 'epoch': 1, 'key_id': 'k', 'seq': 1,
                    'chain_hash': 'h', 'checkpoint_time': '2026-01-01 00:00:00',
                    'reason': 'hourly', 'signature': 's', 'line_hash': 'l'})
        with self.assertRaises(UserError):
            checkpoint.write({'chain_hash': '0' * 64})
        with self.assertRaises(UserError):
            checkpoint.unlink()
        key = self.env['mes.audit.key']._mes_active()
        with self.assertRaises(UserError):
            key.with_context(mes_anchoring=True).write({'public_key': 'mine'})
        with self.assertRaises(UserError):
            key.unlink()
        with self.assertRaises(UserError):
            self.env['mes.audit.key'].with_user(self.manager).with_context(
                mes_anchoring=True).create({'db_uuid': 'x', 'epoch': 9, 'key_id': 'k',
                                            'public_key': 'p', 'started': '2026-01-01'})

    def test_checkpoint_waits_for_the_commit_of_a_transaction_that_appended(self):
        """A head this transaction wrote could still be rolled back or retried with other
        hashes: it is signed after the commit, never before."""
        self.checkpoint()
        lines = len(self.log_lines())
        self.new_record()
        result = self.Entry.mes_checkpoint()
        self.assertFalse(result['line'])
        self.assertEqual(len(self.log_lines()), lines)

    # -- the attacks ----------------------------------------------------------------------------
    def test_rewritten_chain_is_detected_after_a_checkpoint(self):
        first = self.new_record(name='Batch 1')
        good = self.checkpoint()
        self.new_record(name='Batch 2')
        second = self.checkpoint()
        self.assertTrue(self.Entry.mes_verify()['intact'])
        victim = self.entries(first, field_name='name')
        self.assertLess(victim.seq, good.seq)
        # an entry between the two checkpoints, rewritten with everything after it
        self.env.cr.execute('SELECT id FROM mes_audit_entry WHERE seq = %s', [good.seq + 1])
        after_good = self.env.cr.fetchone()[0]
        self.rewrite_from(good.seq + 2)
        self.env.cr.execute(integrity.HEAD_SELECT)
        head = self.env.cr.fetchone()
        self.env.cr.execute(integrity.VERIFY_SELECT)
        self.assertIsNone(integrity.first_broken(self.env.cr.fetchall(), head),
                          'the chain alone must look intact after the rewrite')
        report = self.Entry.mes_verify()
        self.assertEqual(self.codes(report), ['chain_rewritten'])
        finding = report['findings'][0]
        self.assertEqual((finding['entry_id'], finding['good_seq'], finding['checkpoint_seq']),
                         (after_good, good.seq, second.seq))
        self.assertEqual(self.Entry.verify_chain(), after_good)
        action = self.Entry.action_mes_verify_chain()
        self.assertEqual(action['params']['type'], 'danger')
        self.assertIn('rewritten', action['params']['message'])

    def test_rewrite_before_the_first_checkpoint_names_the_first_entry(self):
        self.new_record()
        self.checkpoint()
        self.env.cr.execute('SELECT id FROM mes_audit_entry WHERE seq = 1')
        first_id = self.env.cr.fetchone()[0]
        self.env.cr.execute('SELECT max(seq) FROM mes_audit_entry')
        self.rewrite_from(max(1, self.env.cr.fetchone()[0] - 20))
        self.assertEqual(self.Entry.verify_chain(), first_id)

    def test_forged_checkpoint_and_edited_log_are_detected(self):
        self.new_record()
        real = self.checkpoint()
        impostor = anchor.Ed25519PrivateKey.generate()
        db = self.env['ir.config_parameter'].get_param('database.uuid')

        def forge(last):
            line = anchor.checkpoint_line(last, db, 1, impostor, real.seq, '0' * 64, 'hourly')
            line['key'] = real.key_id
            line['sig'] = anchor.sign(impostor, anchor.body_of(line))
            return [line]
        anchor.CheckpointLog(self.log_path).append(forge)
        report = self.Entry.mes_verify()
        self.assertIn('checkpoint_forged', self.codes(report))
        self.assertFalse(report['intact'])
        self.assertFalse(self.Entry.verify_chain(), 'the chain itself is intact')

    def test_cut_log_and_missing_key_or_log_have_their_own_findings(self):
        self.new_record()
        for _i in range(3):
            self.checkpoint()
        with open(self.log_path, 'rb') as handle:
            lines = handle.read().splitlines(keepends=True)
        with open(self.log_path, 'wb') as handle:  # the last checkpoint cut off
            handle.write(b''.join(lines[:-1]))
        report = self.Entry.mes_verify()
        self.assertEqual(self.codes(report), ['log_cut'])
        self.assertIn('line 4 was written', report['findings'][0]['message'])
        with open(self.log_path, 'wb') as handle:  # reordered
            handle.write(b''.join([lines[0], lines[2], lines[1], lines[3]]))
        self.assertIn('log_reordered', self.codes(self.Entry.mes_verify()))
        os.unlink(self.log_path)
        self.assertIn('log_missing', self.codes(self.Entry.mes_verify()))
        with open(self.log_path, 'wb') as handle:
            handle.write(b''.join(lines))
        self.assertTrue(self.Entry.mes_verify()['intact'])
        os.rename(self.key_path, self.key_path + '.moved')
        report = self.Entry.mes_verify()
        self.assertEqual(self.codes(report), ['key_missing'])
        # without the key no checkpoint is signed (a new key is not silently made)
        with self.assertRaisesRegex(UserError, 'signing key .* is missing'):
            self.checkpoint()
        self.assertFalse(os.path.exists(self.key_path))
        with mute_logger('odoo.addons.mes_part11.models.mes_audit_checkpoint'):
            self.env['mes.audit.checkpoint']._cron_checkpoint()
        activity = self.env['mail.activity'].search(
            [('summary', '=', 'Audit trail checkpoint not written')])
        self.assertTrue(activity)

    # -- key rotation ---------------------------------------------------------------------------
    def test_key_rotation_is_signed_audited_and_keeps_old_checkpoints_verifiable(self):
        self.new_record()
        self.checkpoint()
        old_key = self.env['mes.audit.key']._mes_active()
        with open(self.key_path, 'rb') as handle:
            old_private = handle.read()
        Key = self.env['mes.audit.key']
        with self.assertRaises(AccessError):
            Key.with_user(self.author).mes_rotate('yearly', 'p11_author',
                                                  self.passwords[self.author])
        with self.assertRaises(UserError):
            Key.with_user(self.manager).mes_rotate(' ', 'p11_manager',
                                                   self.passwords[self.manager])
        lines_before = len(self.log_lines())
        refused = Key.with_user(self.manager).mes_rotate('yearly', 'p11_manager', 'wrong')
        self.assertFalse(refused['rotated'])
        self.assertEqual(len(self.log_lines()), lines_before, 'nothing changes on refusal')
        outcome = Key.with_user(self.manager).mes_rotate('Yearly rotation (SOP-IT-12)',
                                                         'p11_manager',
                                                         self.passwords[self.manager])
        self.assertTrue(outcome['rotated'], outcome['message'])
        new_key = Key._mes_active()
        self.assertEqual((new_key.epoch, old_key.state), (2, 'retired'))
        with open(self.key_path, 'rb') as handle:
            self.assertNotEqual(handle.read(), old_private, 'the old private key is gone')
        self.assertEqual(stat.S_IMODE(os.stat(self.key_path).st_mode), 0o600)
        # signed by the administrator with the reason, and audited
        self.assertEqual(new_key.mes_signature_status, 'signed')
        signature = new_key.mes_signature_ids
        self.assertEqual((signature.signer_id, signature.reason, signature.meaning_id.code),
                         (self.manager, 'Yearly rotation (SOP-IT-12)', 'approved'))
        self.assertTrue(self.entries(new_key, operation='create', field_name='key_id'))
        # the log: a key line signed by the new key and by the old one
        key_line = self.log_lines()[-1]
        self.assertEqual((key_line['type'], key_line['epoch'], key_line['prev_key']),
                         ('key', 2, old_key.key_id))
        self.assertTrue(anchor.signature_valid(old_key._mes_public_raw(),
                                               anchor.body_of(key_line), key_line['prev_sig']))
        self.checkpoint()
        report = self.Entry.mes_verify()
        self.assertTrue(report['intact'], report['findings'])
        self.assertEqual((report['matched'], report['keys']), (2, 2))
        # only the old public key (an auditor's copy): both epochs still verify
        report = self.env['mes.audit.checkpoint']._mes_verify(
            public_keys=[old_key._mes_public_raw()])
        self.assertEqual((report['findings'], report['matched']), ([], 2))
        # the exported public key is the one in the log
        self.assertEqual(anchor.read_public_keys(base64.b64decode(new_key.public_key_file)),
                         [base64.b64decode(key_line['public_key'])])
        self.assertIn('/web/content/mes.audit.key/%s/public_key_file/' % new_key.id,
                      new_key.action_download_public_key()['url'])

    def test_signature_carries_the_chain_head(self):
        record = self.new_record()
        self.sign(record, self.author, 'performed')
        signature = record.mes_signature_ids
        self.env.cr.execute('SELECT entry_hash FROM mes_audit_entry WHERE seq = %s',
                            [signature.chain_seq])
        self.assertEqual(self.env.cr.fetchone()[0], signature.chain_hash)
        self.assertIn(signature.chain_hash[:16], signature._mes_chain_text())
        with self.assertRaises(UserError):
            signature.sudo().write({'chain_hash': '0' * 64})

    def test_settings_show_the_public_key(self):
        self.checkpoint()
        settings = self.env['res.config.settings'].create({})
        self.assertIn('BEGIN PUBLIC KEY', settings.mes_audit_public_key)
        with open(self.key_path, 'rb') as handle:
            private = anchor.serialization.load_pem_private_key(handle.read(), None)
        self.assertEqual(settings.mes_audit_key_fingerprint,
                         anchor.key_id(anchor.public_raw(private)))
        self.assertEqual(anchor.read_public_keys(settings.mes_audit_public_key),
                         [anchor.public_raw(private)])
        self.assertEqual((settings.mes_audit_key_file, settings.mes_audit_checkpoint_log),
                         (self.key_path, self.log_path))
        action = settings.action_mes_download_public_key()
        self.assertEqual(action['type'], 'ir.actions.act_url')
        self.assertIn(settings.mes_audit_key_id.public_key_filename, action['url'])
