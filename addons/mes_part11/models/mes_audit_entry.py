import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from ..lib import anchor, integrity
from .mes_audited import trusted_reason

_logger = logging.getLogger(__name__)

AUDIT_OPERATIONS = [
    ('create', 'Created'),
    ('write', 'Changed'),
    ('unlink', 'Deleted'),
    ('sign', 'Signed'),
    ('sign_failed', 'Failed signature'),
    ('sign_locked', 'Signing locked'),
    ('sign_unlocked', 'Signing unlocked'),
    ('unlock', 'Unlocked for correction'),
]
AUDIT_ORIGINS = [
    ('ui', 'Web client'),
    ('json2', 'JSON-2 API'),
    ('rpc', 'XML-RPC / JSON-RPC'),
    ('kiosk', 'Kiosk'),
    ('cron', 'Scheduled action'),
    ('system', 'Server / command line'),
]
_INSERT_COLUMNS = ('seq', 'prev_hash', 'entry_hash') + integrity.ENTRY_FIELDS[1:] + \
    integrity.OPTIONAL_FIELDS
_PENDING = 'mes_audit_pending'



class MesAuditEntry(models.Model):
    """One line of the audit trail: append-only and hash-chained.

    Rows are written only by ``_mes_append`` (plain SQL, in the transaction of the change
    they describe); the database refuses UPDATE, DELETE and TRUNCATE on the table for every
    role (see ``init``), so not even the application can alter history.
    """
    _name = 'mes.audit.entry'
    _description = 'Audit Trail Entry'
    _order = 'seq desc'
    _rec_name = 'seq'
    _log_access = False

    seq = fields.Integer(string='Entry', required=True, readonly=True)
    prev_hash = fields.Char(string='Previous Hash', required=True, readonly=True)
    entry_hash = fields.Char(string='Hash', required=True, readonly=True)
    operation = fields.Selection(AUDIT_OPERATIONS, required=True, readonly=True)
    res_model = fields.Char(string='Model', required=True, readonly=True, index=True)
    res_model_name = fields.Char(string='Record Type', compute='_compute_res_model_name')
    res_id = fields.Integer(string='Record ID', readonly=True)
    res_name = fields.Char(string='Record', compute='_compute_res_name')
    field_name = fields.Char(string='Field', readonly=True)
    field_label = fields.Char(compute='_compute_field_label')
    old_value = fields.Text(string='Old Value (stored)', readonly=True)
    new_value = fields.Text(string='New Value (stored)', readonly=True)
    old_display = fields.Text(string='Old Value', readonly=True)
    new_display = fields.Text(string='New Value', readonly=True)
    user_id = fields.Many2one('res.users', readonly=True, index=True,
                              ondelete='restrict')
    user_name = fields.Char(readonly=True)
    user_roles = fields.Char(string='Roles', readonly=True,
                             help="The user's roles (access groups of the applications) when "
                                  'the entry was made.')
    user_tz = fields.Char(string='User Time Zone', readonly=True,
                          help="The user's time zone when the entry was made; the entry's time "
                               'is in UTC.')
    company_id = fields.Many2one('res.company', readonly=True, index=True,
                                 ondelete='restrict')
    timestamp = fields.Datetime(string='Date (UTC)', required=True, readonly=True, index=True)
    reason = fields.Text(readonly=True)
    origin = fields.Selection(AUDIT_ORIGINS, readonly=True)

    _seq_unique = models.Constraint('UNIQUE (seq)', 'An audit entry number is used once only.')
    _record_index = models.Index('(res_model, res_id, seq)')

    def init(self):
        cr = self.env.cr
        # The database, not the application, keeps the trail append-only: these triggers
        # fire for every role, the table owner included, unless someone disables them,
        # which the hash chain then exposes.
        cr.execute("""
            CREATE OR REPLACE FUNCTION mes_audit_entry_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'mes_audit_entry is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS mes_audit_entry_no_update_delete ON mes_audit_entry;
            CREATE TRIGGER mes_audit_entry_no_update_delete
                BEFORE UPDATE OR DELETE ON mes_audit_entry
                FOR EACH ROW EXECUTE FUNCTION mes_audit_entry_refuse_change();
            DROP TRIGGER IF EXISTS mes_audit_entry_no_truncate ON mes_audit_entry;
            CREATE TRIGGER mes_audit_entry_no_truncate
                BEFORE TRUNCATE ON mes_audit_entry
                FOR EACH STATEMENT EXECUTE FUNCTION mes_audit_entry_refuse_change();
        """)

    @api.depends('res_model')
    def _compute_res_model_name(self):
        for entry in self:
            model = self.env['ir.model']._get(entry.res_model) if entry.res_model else None
            entry.res_model_name = model.name if model else entry.res_model

    @api.depends('res_model', 'res_id')
    def _compute_res_name(self):
        for entry in self:
            name = False
            if entry.res_model in self.env and entry.res_id:
                record = self.env[entry.res_model].browse(entry.res_id).exists()
                if record:
                    try:
                        name = record.sudo().display_name
                    except Exception:  # noqa: BLE001 - a label must never break the trail
                        name = False
            entry.res_name = name or '%s,%s' % (entry.res_model, entry.res_id)

    @api.depends('res_model', 'field_name')
    def _compute_field_label(self):
        for entry in self:
            field = (self.env[entry.res_model]._fields.get(entry.field_name)
                     if entry.res_model in self.env and entry.field_name else None)
            entry.field_label = field.get_description(self.env)['string'] if field \
                else entry.field_name

    # -- the ORM may read, never change ---------------------------------------------
    # The ORM never writes the trail: entries are sealed and inserted by _mes_append, and
    # the database refuses UPDATE / DELETE (so no super() here, on purpose).
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise UserError(_('Audit trail entries are written by the system only.'))

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_('The audit trail cannot be changed.'))

    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(_('The audit trail cannot be deleted.'))

    # -- appending -------------------------------------------------------------------
    @api.model
    def _mes_origin(self):
        """Where the change came from, for the trail. A change made in an HTTP request is
        named by the request's path, whatever context the caller sent (JSON-2 takes one);
        context keys only name processes that have no request (scheduled actions, the OPC UA
        collector, the command line)."""
        try:
            path = request.httprequest.path if request else None
        except RuntimeError:
            path = None
        if not path:
            if self.env.context.get('cron_id'):
                return 'cron'
            return 'system'
        if path.startswith('/json/2/'):
            return 'json2'
        if path.startswith(('/xmlrpc', '/jsonrpc')):
            return 'rpc'
        return 'ui'

    @api.model
    def _mes_append(self, entries):
        """Queue entries (dicts with the ENTRY_FIELDS but ``seq``) for this transaction.

        Who, when and from where are fixed now; the entries are sealed and inserted when the
        transaction flushes (before commit, before a savepoint, or before anyone reads the
        trail), like Odoo's own mail tracking. A rolled-back savepoint drops the entries
        queued after it together with the changes they describe.
        """
        if not entries:
            return
        user = self.env.user
        roles, tz = self._mes_user_context(user)
        now = fields.Datetime.to_string(fields.Datetime.now())
        origin = self._mes_origin()
        # a reason in the context is our own code's (see _mes_origin); callers give theirs in
        # the record's reason field or the action's reason argument
        reason = trusted_reason(self.env.context)
        for entry in entries:
            entry.setdefault('user_id', user.id)
            entry.setdefault('user_name', user.name)
            if entry['user_id'] == user.id:
                entry.setdefault('user_roles', roles)
                entry.setdefault('user_tz', tz)
            entry.setdefault('timestamp', now)
            entry.setdefault('origin', origin)
            if not entry.get('reason'):
                entry['reason'] = reason
            if not entry.get('company_id'):
                entry['company_id'] = self.env.company.id
            for key in integrity.ENTRY_FIELDS + integrity.OPTIONAL_FIELDS:
                entry.setdefault(key, None)
        precommit = self.env.cr.precommit
        if _PENDING not in precommit.data:
            precommit.add(self._mes_write_pending)
        precommit.data.setdefault(_PENDING, []).extend(entries)

    @api.model
    def _mes_user_context(self, user):
        """(roles, time zone) of ``user`` for the trail: the names of the access groups that
        are an application's roles (their privilege, e.g. "Manufacturing Execution /
        Operator"), sorted; the user's time zone or UTC."""
        groups = user.sudo().with_context(lang='en_US').group_ids.filtered('privilege_id')
        roles = ', '.join(sorted(groups.mapped('full_name')))
        return roles or None, user.sudo().tz or 'UTC'

    def _mes_write_pending(self):
        """Seal and insert the queued entries, in one locked append.

        The chain head row is locked FOR UPDATE: appends are serialised; under Odoo's
        REPEATABLE READ a concurrent append is a serialization failure, which Odoo retries,
        never a fork of the chain.
        """
        entries = self.env.cr.precommit.data.pop(_PENDING, None)
        if not entries:
            return
        cr = self.env.cr
        # a checkpoint asked for in this transaction must wait for its commit (see
        # mes.audit.checkpoint._mes_request)
        cr.precommit.data['mes_audit.appended'] = True
        head = self.env['mes.audit.head']._mes_lock()
        last_seq, last_hash = integrity.seal(entries, head[0], head[1])
        row_sql = '(%s)' % ', '.join(['%s'] * len(_INSERT_COLUMNS))
        for start in range(0, len(entries), 1000):
            chunk = entries[start:start + 1000]
            last = start + len(chunk) >= len(entries)
            # the head moves in the same round trip as the last insert
            cr.execute(
                'INSERT INTO mes_audit_entry (%s) VALUES %s%s' % (
                    ', '.join(_INSERT_COLUMNS), ', '.join([row_sql] * len(chunk)),
                    '; UPDATE mes_audit_head SET last_seq = %s, last_hash = %s WHERE id = 1'
                    if last else ''),
                [entry[col] for entry in chunk for col in _INSERT_COLUMNS]
                + ([last_seq, last_hash] if last else []))

    def flush_model(self, fnames=None):
        # whoever reads the trail (search, history tab, verifier) sees this transaction's
        # queued entries too
        self._mes_write_pending()
        return super().flush_model(fnames)

    # -- verification ----------------------------------------------------------------
    def _mes_check_reviewer(self):
        # a full walk reads every entry: quality reviewers and administrators run it (and the
        # daily cron), not every user who can read a history tab
        if not self.env.su and not (self.env.user.has_group('mes_part11.group_part11_reviewer')):
            raise AccessError(_('Verifying the whole audit trail is for audit trail reviewers.'))

    @api.model
    def verify_chain(self):
        """Walk the whole chain; return the id of the first entry that cannot be trusted, or
        False.

        Each entry is checked against its predecessor and its own hash, and against every
        signed checkpoint of the chain head (see ``mes_verify``): after a rewrite of the
        chain, the first entry after the last checkpoint that still matches. A cut-off tail
        returns the id of the last surviving entry, since nothing after it exists to name.
        """
        self._mes_check_reviewer()
        for finding in self.mes_verify()['findings']:
            if finding.get('entry_id'):
                return finding['entry_id']
        return False

    @api.model
    def mes_verify(self):
        """The full verification: the chain, the checkpoint log and its signatures.

        :returns: dict ``{'intact': bool, 'findings': [{'code', 'message', 'entry_id'?,
            'line'?...}], 'entries': int, 'checkpoints': int, 'matched': int}``
        """
        self._mes_check_reviewer()
        self.flush_model()
        report = self.env['mes.audit.checkpoint']._mes_verify()
        report['intact'] = not report['findings']
        return report

    @api.model
    def mes_checkpoint(self, reason='on_demand', reference=None):
        """Sign a checkpoint of the chain head into the checkpoint log outside the database.

        Written at once; in a transaction that appended audit entries, when it commits (so
        that no checkpoint signs a head a rollback could still change).

        :returns: dict ``{'seq', 'hash', 'line', 'id'}`` (``line`` and ``id``, of the
            checkpoint's copy, False until written)
        """
        self._mes_check_reviewer()
        if reason not in anchor.REASONS:
            raise UserError(_('Unknown checkpoint reason "%(reason)s".', reason=reason))
        checkpoint = self.env['mes.audit.checkpoint']._mes_request(reason, reference)
        if checkpoint:
            return {'seq': checkpoint.seq, 'hash': checkpoint.chain_hash,
                    'line': checkpoint.line_no, 'id': checkpoint.id}
        seq, chain_hash = self.env['mes.audit.head']._mes_read()
        return {'seq': seq, 'hash': chain_hash, 'line': False, 'id': False}

    def action_mes_verify_chain(self):
        report = self.mes_verify()
        if report['findings']:
            message = '\n'.join(finding['message'] for finding in report['findings'])
            kind = 'danger'
        else:
            message = _('The audit trail is intact: %(count)s entries verified, '
                        '%(matched)s against signed checkpoints.',
                        count=report['entries'], matched=report['matched'])
            kind = 'success'
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {'title': _('Audit trail verification'), 'message': message,
                       'type': kind, 'sticky': bool(report['findings'])},
        }

    @api.model
    def _cron_verify_chain(self):
        report = self.mes_verify()
        if not report['findings']:
            _logger.info('Audit trail verified: intact (%s entries, %s checkpoints)',
                         report['entries'], report['matched'])
            return
        for finding in report['findings']:
            _logger.error('Audit trail verification: %s', finding['message'])
        broken = next((f['entry_id'] for f in report['findings'] if f.get('entry_id')), None)
        self._mes_alert_managers(
            _('Audit trail broken at entry id %(id)s', id=broken) if broken else
            _('Audit trail verification: %(count)s findings', count=len(report['findings'])),
            '\n'.join(finding['message'] for finding in report['findings']))

    @api.model
    def _mes_alert_managers(self, summary, note):
        group = self.env.ref('mes_part11.group_part11_manager', raise_if_not_found=False)
        admins = group.sudo().all_user_ids.filtered(lambda u: u.active and not u.share) if group \
            else self.env['res.users']
        for admin in admins:
            # on the administrator's partner: res.users carries no activities
            admin.partner_id.sudo().activity_schedule(
                'mail.mail_activity_data_todo', user_id=admin.id, summary=summary[:250],
                note=_('%(findings)s\nInvestigate and document the incident.', findings=note))

    # -- review ----------------------------------------------------------------------
    def action_open_record(self):
        self.ensure_one()
        return form_action(self.env, self.res_model, self.res_id)


def form_action(env, res_model, res_id):
    """Window action opening one record by model name and id (trail and signatures)."""
    if res_model not in env or not env[res_model].browse(res_id).exists():
        raise UserError(env._('This record no longer exists.'))
    return {
        'type': 'ir.actions.act_window',
        'res_model': res_model,
        'res_id': res_id,
        'view_mode': 'form',
        'views': [(False, 'form')],
    }
