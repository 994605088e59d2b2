import base64
import os

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import anchor
from .mes_audit_checkpoint import anchor_paths
from .mes_audited import AuditReason

KEY_STATES = [
    ('active', 'Active'),
    ('retired', 'Retired'),
]


class MesAuditKey(models.Model):
    """A key epoch of the checkpoint log: the public half of the Ed25519 key that signs the
    audit trail's checkpoints, from its first use or rotation until the next rotation.

    The private key lives in a file on the application server and never here; this row is
    what administrators show, export and sign. The verifier trusts the key file and the key
    lines of the log, not this row (whoever controls the database controls it).
    """
    _name = 'mes.audit.key'
    _description = 'Audit Trail Checkpoint Key'
    _order = 'epoch desc'
    _rec_name = 'key_id'
    _inherit = ['mes.audited', 'mes.signable']
    _mes_audit_fields = ('epoch', 'key_id', 'public_key', 'state', 'reason', 'log_line')
    _mes_signature_content = ('db_uuid', 'epoch', 'key_id', 'public_key', 'log_line')

    db_uuid = fields.Char(string='Database', required=True, readonly=True)
    epoch = fields.Integer(required=True, readonly=True)
    key_id = fields.Char(string='Key ID', required=True, readonly=True,
                         help='The first 32 hexadecimal digits of the SHA-256 of the public '
                              'key.')
    public_key = fields.Text(string='Public Key (PEM)', required=True, readonly=True)
    public_key_file = fields.Binary(compute='_compute_public_key_file')
    public_key_filename = fields.Char(compute='_compute_public_key_file')
    started = fields.Datetime(string='Started on (UTC)', required=True, readonly=True)
    started_by_id = fields.Many2one('res.users', string='Started by', readonly=True)
    reason = fields.Text(readonly=True)
    state = fields.Selection(KEY_STATES, required=True, default='active', readonly=True)
    log_line = fields.Integer(readonly=True,
                              help='The line of the checkpoint log that started the epoch.')

    _key_unique = models.Constraint('UNIQUE (db_uuid, key_id)',
                                    'A checkpoint key is registered once.')

    def _compute_public_key_file(self):
        for key in self:
            key.public_key_file = base64.b64encode(key.public_key.encode('ascii')) \
                if key.public_key else False
            key.public_key_filename = 'audit-checkpoint-key-epoch%s-%s.pem' % (
                key.epoch, key.key_id[:8]) if key.key_id else False

    def _mes_public_raw(self):
        self.ensure_one()
        return anchor.read_public_keys(self.public_key)[0]

    # -- the system writes ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not (self.env.su and self.env.context.get('mes_anchoring')):
            raise UserError(_('Checkpoint keys are started by the system only: rotate the key '
                              'from the settings.'))
        return super().create(vals_list)

    def write(self, vals):
        if not (self.env.su and self.env.context.get('mes_anchoring')) \
                or set(vals) - {'state'}:
            raise UserError(_('A checkpoint key epoch cannot be changed.'))
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(_('A checkpoint key epoch cannot be deleted.'))
        return super().unlink()

    @api.model
    def _mes_record_epoch(self, line, reason=None):
        """The database copy of a key line just written to the log."""
        db = line['db']
        existing = self.sudo().search([('db_uuid', '=', db), ('key_id', '=', line['key'])])
        if existing:
            return existing
        system = self.sudo().with_context(mes_anchoring=True)
        system.search([('db_uuid', '=', db), ('state', '=', 'active')]).write(
            {'state': 'retired'})
        return system.create({
            'db_uuid': db, 'epoch': line['epoch'], 'key_id': line['key'],
            'public_key': anchor.public_pem(base64.b64decode(line['public_key'])),
            'started': fields.Datetime.to_datetime(line['time'][:19].replace('T', ' ')),
            'started_by_id': self.env.uid, 'reason': reason or line.get('reason'),
            'log_line': line['line'],
        })

    @api.model
    def _mes_active(self):
        """The epoch of the signing key in the key file (else the last one started)."""
        db = self.env['mes.audit.checkpoint']._mes_db_uuid()
        try:
            key = anchor.load_private_key(anchor_paths(self.env.cr.dbname)[0])
        except anchor.AnchorError:
            key = None
        if key is not None:
            own = self.sudo().search([('db_uuid', '=', db),
                                      ('key_id', '=', anchor.key_id(anchor.public_raw(key)))])
            if own:
                return own
        return self.sudo().search([('db_uuid', '=', db), ('state', '=', 'active')],
                                  order='started desc, id desc', limit=1)

    # -- rotation -----------------------------------------------------------------------------
    @api.model
    def mes_rotate(self, reason, login, password):
        """Start a new key epoch: a new signing key, vouched for by the old one in the log, the
        old private key destroyed; signed electronically (meaning "Approved") by the
        administrator, with a reason, and audited. Old checkpoints stay verifiable.

        :returns: dict ``{'rotated': bool, 'message', 'key_id'}``
        """
        if not self.env.user.has_group('mes_part11.group_part11_manager'):
            raise AccessError(_('Only an Electronic Records Administrator may rotate the audit '
                                'trail checkpoint key.'))
        if not (reason or '').strip():
            raise UserError(_('State why the checkpoint key is rotated.'))
        reason = reason.strip()
        ok, message = self.env['res.users']._mes_check_signing_credentials(login, password)
        if not ok:
            return {'rotated': False, 'message': message, 'key_id': False}
        Checkpoint = self.env['mes.audit.checkpoint']
        # this transaction's place in the chain first: a serialization failure (which Odoo
        # retries) must happen before the files change, not after
        self.env['mes.audit.head']._mes_lock()
        key_path, log_path = anchor_paths(self.env.cr.dbname)
        db = Checkpoint._mes_db_uuid()
        signer_name = self.env.user.name
        fresh = key_path + '.new'
        try:
            old_key = anchor.load_private_key(key_path)
            if os.path.exists(fresh):
                os.unlink(fresh)  # left by an interrupted rotation: never used
            new_key = anchor.write_new_key(fresh)

            def make_lines(last):
                epochs = anchor.epochs_of(last['lines'], db)
                previous = old_key
                if previous is not None and \
                        anchor.current_epoch(last['lines'], db, previous) is None:
                    previous = None  # not a key of this log: it vouches for nothing
                epoch = max([line['epoch'] for line in epochs] or [0]) + 1
                return [anchor.key_line(last, db, epoch, new_key, old_key=previous, by=signer_name,
                                        reason=reason)]

            [line] = anchor.CheckpointLog(log_path).append(make_lines)
            # the new key replaces the old one in one rename: the old private key is gone
            os.replace(fresh, key_path)
        except anchor.AnchorError as error:
            raise UserError(Checkpoint._mes_finding_text({'code': error.code, **error.params})) \
                from error
        except OSError as error:
            raise UserError(_('The checkpoint key could not be rotated: %(error)s',
                              error=error.strerror or str(error))) from error
        key = self.with_context(mes_audit_reason=AuditReason(reason))._mes_record_epoch(
            line, reason)
        policy_line = key._mes_check_can_sign('approved')
        key._mes_create_signature(policy_line, reason)
        # the new epoch's first checkpoint, when this rotation commits
        Checkpoint._mes_request('key_rotation', 'epoch %s' % line['epoch'])
        return {'rotated': True, 'key_id': line['key'],
                'message': _('The checkpoint key was rotated: epoch %(epoch)s, key %(key)s.',
                             epoch=line['epoch'], key=line['key'])}

    def action_download_public_key(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': '/web/content/mes.audit.key/%s/public_key_file/%s?download=true' % (
                    self.id, self.public_key_filename)}
