import functools
import logging
import os

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import config

from ..lib import anchor, integrity

_logger = logging.getLogger(__name__)

CHECKPOINT_REASONS = [
    ('hourly', 'Hourly'),
    ('on_demand', 'On demand'),
    ('qa_release', 'QA release'),
    ('master_approval', 'Master record approval'),
    ('key_rotation', 'Key rotation'),
    ('signature', 'Signature'),
]
_APPENDED = 'mes_audit.appended'
_REQUESTED = 'mes_audit.checkpoints'


def anchor_paths(dbname):
    """(signing key file, checkpoint log file) of database ``dbname``, from the server
    configuration only: whoever controls the database must not be able to point the anchor
    elsewhere."""
    return anchor.configured_paths(config.get, config['data_dir'], dbname, config['config'])


class MesAuditCheckpoint(models.Model):
    """A signed checkpoint of the audit chain head, as written to the checkpoint log.

    The log file outside the database is what counts; this row is the application's copy
    (for the list, for noticing a log cut at its end, and for the outbox). Written by the
    system only.
    """
    _name = 'mes.audit.checkpoint'
    _description = 'Audit Trail Checkpoint'
    _order = 'line_no desc, id desc'
    _rec_name = 'line_no'
    _log_access = False

    line_no = fields.Integer(string='Log Line', required=True, readonly=True, index=True)
    db_uuid = fields.Char(string='Database', required=True, readonly=True)
    epoch = fields.Integer(string='Key Epoch', required=True, readonly=True)
    key_id = fields.Char(string='Key ID', required=True, readonly=True)
    seq = fields.Integer(string='Audit Entry', required=True, readonly=True,
                         help='Number of the last audit entry the checkpoint anchors.')
    chain_hash = fields.Char(string='Chain Head Hash', required=True, readonly=True)
    checkpoint_time = fields.Datetime(string='Signed on (UTC)', required=True, readonly=True)
    reason = fields.Selection(CHECKPOINT_REASONS, required=True, readonly=True)
    reference = fields.Char(readonly=True)
    signature = fields.Char(string='Ed25519 Signature', required=True, readonly=True)
    line_hash = fields.Char(string='Line SHA-256', required=True, readonly=True)
    log_path = fields.Char(string='Checkpoint Log', readonly=True)

    # -- the system writes, nobody changes ------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not (self.env.su and self.env.context.get('mes_anchoring')):
            raise UserError(_('Checkpoints are written by the system only.'))
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_('A checkpoint cannot be changed.'))

    def unlink(self):
        if self:
            raise UserError(_('A checkpoint cannot be deleted.'))
        return super().unlink()

    # -- writing --------------------------------------------------------------------------
    @api.model
    def _mes_db_uuid(self):
        return self.env['ir.config_parameter'].sudo().get_param('database.uuid')

    @api.model
    def _mes_request(self, reason, reference=None):
        """Anchor the chain head now, or when this transaction commits if it appended audit
        entries (a checkpoint must never sign a head that a rollback or a retried transaction
        could still change)."""
        entries = self.env['mes.audit.entry']
        entries._mes_write_pending()
        if not self.env.cr.precommit.data.get(_APPENDED):
            return self.sudo()._mes_write(reason, reference)
        self.env.cr.postcommit.add(functools.partial(
            _write_after_commit, self.env.registry, reason, reference))
        self.env.cr.postcommit.data.setdefault(_REQUESTED, []).append((reason, reference))
        return None

    @api.model
    def _mes_requested(self):
        """The checkpoints this transaction will sign once it commits: [(reason, reference)]."""
        return list(self.env.cr.postcommit.data.get(_REQUESTED, []))

    @api.model
    def _mes_write(self, reason, reference=None):
        """Sign the chain head as this transaction sees it and append it to the log (with the
        key's first line when the key is new); record the copies. Raises ``UserError`` with
        the reason when it cannot."""
        self.env['mes.audit.entry']._mes_write_pending()
        seq, chain_hash = self.env['mes.audit.head']._mes_read()
        key_path, log_path = anchor_paths(self.env.cr.dbname)
        db = self._mes_db_uuid()
        # a log this database wrote to before must still be there: a new, empty one would
        # hide what the old one anchored (a log moved elsewhere is configured with its file)
        self.env.cr.execute('SELECT count(*) FROM mes_audit_checkpoint '
                            'WHERE db_uuid = %s AND log_path = %s', [db, log_path])
        recorded = self.env.cr.fetchone()[0]
        time = anchor.utc_now()
        try:
            key = anchor.load_private_key(key_path)

            def make_lines(last):
                signing_key = key
                lines = []
                epochs = anchor.epochs_of(last['lines'], db)
                if signing_key is None:
                    if epochs or recorded:
                        raise anchor.AnchorError('key_missing', path=key_path)
                    signing_key = anchor.write_new_key(key_path)  # first use
                epoch = anchor.current_epoch(last['lines'], db, signing_key)
                if epoch is None:
                    if epochs:
                        raise anchor.AnchorError('key_unregistered', path=key_path)
                    epoch = 1
                    lines.append(anchor.key_line(last, db, epoch, signing_key,
                                                 by=self.env.user.name, time=time,
                                                 reason='first use'))
                    last = anchor.after(lines[-1])
                lines.append(anchor.checkpoint_line(last, db, epoch, signing_key, seq,
                                                    chain_hash, reason, reference, time=time))
                return lines

            if recorded and not os.path.exists(log_path):
                raise anchor.AnchorError('log_missing', path=log_path, count=recorded)
            written = anchor.CheckpointLog(log_path).append(make_lines)
        except anchor.AnchorError as error:
            raise UserError(self._mes_finding_text({'code': error.code, **error.params})) \
                from error
        return self._mes_record(written, log_path)

    @api.model
    def _mes_record(self, written, log_path):
        """The database copies of lines just written to the log."""
        checkpoint = self.browse()
        for line in written:
            if line['type'] == 'key':
                self.env['mes.audit.key']._mes_record_epoch(line)
                continue
            checkpoint = self.sudo().with_context(mes_anchoring=True).create({
                'line_no': line['line'], 'db_uuid': line['db'], 'epoch': line['epoch'],
                'key_id': line['key'], 'seq': line['seq'], 'chain_hash': line['hash'],
                'checkpoint_time': fields.Datetime.to_datetime(
                    line['time'][:19].replace('T', ' ')),
                'reason': line['reason'], 'reference': line.get('ref'),
                'signature': line['sig'], 'line_hash': line['_hash'], 'log_path': log_path,
            })
            checkpoint._mes_on_written()
        return checkpoint

    def _mes_on_written(self):
        """Hook: a checkpoint was written (the MES publishes it through its outbox, so that a
        copy lives in another system)."""

    # -- verifying ------------------------------------------------------------------------
    @api.model
    def _mes_verify(self, public_keys=None):
        """Verify the chain against its own hashes and every signed checkpoint of the log.

        :param public_keys: raw public keys to trust instead of the signing key's own
        :returns: ``{'findings': [{'code', 'message', 'entry_id', ...}], 'entries',
            'checkpoints', 'matched', 'keys'}``
        """
        entries = self.env['mes.audit.entry']
        entries._mes_write_pending()
        key_path, log_path = anchor_paths(self.env.cr.dbname)
        db = self._mes_db_uuid()
        cr = self.env.cr
        cr.execute('SELECT count(*), max(line_no) FROM mes_audit_checkpoint '
                   'WHERE db_uuid = %s AND log_path = %s', [db, log_path])
        recorded, last_line = cr.fetchone()
        findings = []
        log = anchor.CheckpointLog(log_path)
        data = log.read()
        if data is None and recorded:
            findings.append({'code': 'log_missing', 'path': log_path, 'count': recorded})
        if public_keys:
            anchors = list(public_keys)
        else:
            anchors, key_findings = anchor.load_anchor_keys(key_path)
            if key_findings and (recorded or data):
                findings += key_findings
            if not anchors:
                # without the key, the keys the database recorded: weaker (whoever controls
                # the database controls them), said by the key_missing finding above
                anchors = [key._mes_public_raw() for key in
                           self.env['mes.audit.key'].sudo().search([('db_uuid', '=', db)])]
        cr.execute(integrity.HEAD_SELECT)
        head = cr.fetchone()
        with cr._cnx.cursor('mes_audit_verify') as stream:
            stream.itersize = 20000
            stream.execute(integrity.VERIFY_SELECT)
            report = anchor.verify(stream, head, db, data, anchors,
                                   recorded_last_line=last_line)
        report['findings'] = findings + report['findings']
        if any(f['code'] == 'entry_broken' and f.get('entry_id') == -1
               for f in report['findings']):
            cr.execute(integrity.LAST_ENTRY_SELECT)
            last = cr.fetchone()
            for finding in report['findings']:
                if finding['code'] == 'entry_broken' and finding.get('entry_id') == -1:
                    finding['entry_id'] = last[0] if last else -1
        for finding in report['findings']:
            finding['message'] = self._mes_finding_text(finding)
        return report

    @api.model
    def _mes_finding_text(self, finding):
        texts = {
            'entry_broken': _('Audit entry %(seq)s (id %(entry_id)s) does not match its hash '
                              'chain: it was altered, removed or moved outside the '
                              'application.'),
            'chain_rewritten': _('The audit trail was rewritten: entry %(checkpoint_seq)s no '
                                 'longer has the hash signed in checkpoint line %(line)s '
                                 '(%(time)s). Entries after the last good checkpoint (entry '
                                 '%(good_seq)s) cannot be trusted; the first of them is entry '
                                 '%(seq)s (id %(entry_id)s).'),
            'chain_cut': _('The audit trail ends at entry %(last_seq)s, but checkpoint line '
                           '%(line)s (%(time)s) anchored entry %(checkpoint_seq)s: entries '
                           'were deleted.'),
            'checkpoint_forged': _('Checkpoint log line %(line)s is not signed by a '
                                   'checkpoint key of this database (%(detail)s): it was '
                                   'forged or altered.'),
            'key_forged': _('Key line %(line)s of the checkpoint log (epoch %(epoch)s) is not '
                            'signed by a trusted key: a key was introduced outside a '
                            'rotation.'),
            'log_cut': _('The checkpoint log was cut: %(detail)s.'),
            'log_reordered': _('The checkpoint log was reordered: line %(line)s stands at '
                               'position %(position)s, after line %(after)s.'),
            'log_altered': _('Checkpoint log line %(line)s does not follow line %(after)s '
                             '(its link to the previous line is wrong): lines were replaced '
                             'or inserted.'),
            'log_malformed': _('Checkpoint log line at position %(position)s is not a '
                               'checkpoint (torn or edited).'),
            'log_missing': _('The checkpoint log %(path)s is missing although %(count)s '
                             'checkpoints were written.'),
            'log_unwritable': _('The checkpoint log %(path)s cannot be written: %(detail)s.'),
            'key_missing': _('The checkpoint signing key %(path)s is missing: no checkpoint '
                             'can be signed, and checkpoints are verified only against public '
                             'keys kept elsewhere.'),
            'key_unreadable': _('The checkpoint signing key %(path)s cannot be read: '
                                '%(detail)s.'),
            'key_unregistered': _('The checkpoint signing key %(path)s is not a key of this '
                                  "database's checkpoint log: it was replaced outside a "
                                  'rotation.'),
            'bad_public_key': _('Not an Ed25519 public key: %(detail)s.'),
            'no_trusted_key': _('No public key to verify the checkpoints against.'),
        }
        template = texts.get(finding.get('code'))
        if not template:
            return anchor.describe(finding)
        params = {k: ('?' if v is None else v) for k, v in finding.items()}
        try:
            return template % params
        except (KeyError, TypeError, ValueError):
            return template

    # -- scheduled and on demand ------------------------------------------------------------
    @api.model
    def _cron_checkpoint(self):
        try:
            self._mes_write('hourly')
        except UserError as error:
            _logger.error('Audit trail checkpoint not written: %s', error)
            self.env['mes.audit.entry']._mes_alert_managers(
                _('Audit trail checkpoint not written'), str(error))

    def action_mes_checkpoint_now(self):
        checkpoint = self.env['mes.audit.entry'].mes_checkpoint()
        return {
            'type': 'ir.actions.client', 'tag': 'display_notification',
            'params': {'title': _('Audit trail checkpoint'), 'type': 'success',
                       'message': _('Checkpoint written: entry %(seq)s, log line %(line)s.',
                                    seq=checkpoint['seq'], line=checkpoint['line'])
                       if checkpoint.get('line') else
                       _('The checkpoint is written when this change is saved.'),
                       'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'}},
        }


def _write_after_commit(registry, reason, reference):
    """After a commit that appended audit entries (a QA release, an approval): anchor the
    head as committed, in a transaction of its own. A failure here cannot undo what was
    committed; it is logged and the administrators are told (the hourly checkpoint anchors
    the same entries later)."""
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env['mes.audit.checkpoint']._mes_write(reason, reference)
    except Exception as error:  # noqa: BLE001 - reported below, never lost silently
        _logger.exception('Audit trail checkpoint (%s, %s) not written', reason, reference)
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env['mes.audit.entry']._mes_alert_managers(
                    env._('Audit trail checkpoint not written'), str(error))
        except Exception:  # noqa: BLE001
            _logger.exception('Could not tell the administrators')


def check_anchor_access(env):
    if not env.su and not env.user.has_group('mes_part11.group_part11_reviewer'):
        raise AccessError(_('Audit trail checkpoints are for audit trail reviewers.'))
