import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .mes_audit_entry import form_action

SIGNATURE_STATES = [
    ('valid', 'Valid'),
    ('invalidated', 'Invalidated'),
]
SIGNATURE_STATUSES = [
    ('valid', 'Valid'),
    ('invalid', 'Invalid: record changed'),
    ('invalidated', 'Invalidated for correction'),
]


class MesSignature(models.Model):
    """An electronic signature (21 CFR 11.50, 11.70): who, when, what it means, and a
    SHA-256 of exactly the content signed. Never deleted; a correction invalidates it."""
    _name = 'mes.signature'
    _description = 'Electronic Signature'
    _order = 'signed_at, id'
    _rec_name = 'manifestation'
    _mes_protected_fields = ('state', 'invalidated_by_id', 'invalidated_at',
                             'invalidation_reason', 'content_version')
    _inherit = ['mes.audited']
    _mes_audit_fields = (
        'res_model', 'res_id', 'meaning_id', 'signer_id', 'signer_name', 'signer_role',
        'signed_at', 'reason',
        'content_hash', 'state', 'invalidated_by_id', 'invalidated_at', 'invalidation_reason',
    )

    res_model = fields.Char(string='Model', required=True, readonly=True, index=True)
    res_id = fields.Integer(string='Record ID', required=True, readonly=True, index=True)
    res_name = fields.Char(string='Signed Record', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True, index=True,
                                 default=lambda self: self.env.company)
    meaning_id = fields.Many2one('mes.signature.meaning', required=True,
                                 readonly=True, ondelete='restrict')
    # the meaning's wording as it was when signed, in every language (Part 11.50): a later
    # renaming of the meaning does not rewrite past manifestations
    meaning_name = fields.Char(string='Meaning as signed', translate=True, readonly=True)
    policy_line_id = fields.Many2one('mes.signature.policy.line', readonly=True,
                                     ondelete='set null')
    signer_id = fields.Many2one('res.users', required=True, readonly=True,
                                ondelete='restrict', index=True)
    signer_name = fields.Char(string='Printed Name', required=True, readonly=True)
    # the role the signer signed in (Annex 11 2025 draft section 14: the manifestation
    # names it): the groups of the policy line they hold, else their job position
    signer_role = fields.Char(string='Role', readonly=True)
    signer_tz = fields.Char(string='Signer Time Zone', readonly=True)
    signed_at = fields.Datetime(string='Signed on (UTC)', required=True, readonly=True)
    reason = fields.Text(readonly=True)
    content_hash = fields.Char(string='Content SHA-256', required=True, readonly=True)
    content_version = fields.Integer(string='Content Rules', default=1, readonly=True,
                                     help='The rules of what a signature covers when it was '
                                          'given (2: by-products of a master record too).')
    # the audit trail's head right after this signature was recorded: printed on the signed
    # documents (a production record, a certificate), so that whoever holds a copy can check
    # the trail against it (see mes.audit.checkpoint)
    chain_seq = fields.Integer(string='Audit Trail Entry', readonly=True,
                               help='Number of the audit trail entry that was the head of the '
                                    'trail when the signature was given.')
    chain_hash = fields.Char(string='Audit Trail Head Hash', readonly=True)
    state = fields.Selection(SIGNATURE_STATES, required=True, default='valid', readonly=True,
                             index=True)
    invalidated_by_id = fields.Many2one('res.users', readonly=True, ondelete='restrict')
    invalidated_at = fields.Datetime(readonly=True)
    invalidation_reason = fields.Text(readonly=True)
    hash_valid = fields.Boolean(string='Content Unchanged', compute='_compute_status')
    status = fields.Selection(SIGNATURE_STATUSES, compute='_compute_status')
    manifestation = fields.Char(compute='_compute_manifestation')
    signed_at_local = fields.Char(string='Signed on (signer time)',
                                  compute='_compute_manifestation')

    def _compute_status(self):
        for signature in self:
            record = signature._mes_signed_record()
            signature.hash_valid = bool(record) and \
                record._mes_content_hash(signature.content_version or 1) == \
                signature.content_hash
            if signature.state == 'invalidated':
                signature.status = 'invalidated'
            else:
                signature.status = 'valid' if signature.hash_valid else 'invalid'

    @api.model_create_multi
    def create(self, vals_list):
        signatures = super().create(vals_list)
        # copies every translation of the meaning's wording at this instant
        self.env.flush_all()
        self.env.cr.execute("""
            UPDATE mes_signature s SET meaning_name = m.name
              FROM mes_signature_meaning m
             WHERE m.id = s.meaning_id AND s.id = ANY(%s)
        """, [signatures.ids])
        signatures.invalidate_recordset(['meaning_name'])
        # the trail's head once the signatures are in it (their own entries sealed)
        seq, chain_hash = self.env['mes.audit.head']._mes_read()
        self.env.cr.execute('UPDATE mes_signature SET chain_seq = %s, chain_hash = %s '
                            'WHERE id = ANY(%s)', [seq, chain_hash, signatures.ids])
        signatures.invalidate_recordset(['chain_seq', 'chain_hash'])
        return signatures

    def _mes_chain_text(self):
        """'entry N, SHA-256 xxxx xxxx ...' as printed on signed documents (the hash in groups
        of 16 digits, so that it wraps and can be read aloud)."""
        self.ensure_one()
        if not self.chain_hash:
            return ''
        return self.env._('audit trail entry %(seq)s, head SHA-256 %(hash)s',
                          seq=self.chain_seq, hash=chain_text(self.chain_hash))

    @api.depends('signer_name', 'signer_role', 'signed_at', 'meaning_name', 'signer_tz')
    def _compute_manifestation(self):
        for signature in self:
            if not signature.signed_at:
                signature.manifestation = signature.signed_at_local = False
                continue
            utc = pytz.utc.localize(signature.signed_at)
            local = utc.astimezone(pytz.timezone(signature.signer_tz or 'UTC'))
            signature.signed_at_local = local.strftime('%Y-%m-%d %H:%M:%S %Z (UTC%z)')
            meaning = signature.meaning_name or signature.meaning_id.name
            date = utc.strftime('%Y-%m-%d %H:%M:%S')
            if signature.signer_role:
                signature.manifestation = _(
                    '%(meaning)s %(name)s (%(role)s) on %(date)s UTC', meaning=meaning,
                    name=signature.signer_name, role=signature.signer_role, date=date)
            else:
                signature.manifestation = _('%(meaning)s %(name)s on %(date)s UTC',
                                            meaning=meaning, name=signature.signer_name,
                                            date=date)

    def _mes_signed_record(self):
        self.ensure_one()
        if self.res_model not in self.env:
            return None
        return self.env[self.res_model].sudo().browse(self.res_id).exists() or None

    _SIGNATURE_FACTS = {'res_model', 'res_id', 'res_name', 'company_id', 'meaning_id',
                        'meaning_name', 'content_version',
                        'policy_line_id', 'signer_id', 'signer_name', 'signer_role',
                        'signer_tz', 'signed_at',
                        'reason', 'content_hash', 'chain_seq', 'chain_hash'}

    def write(self, vals):
        if self._SIGNATURE_FACTS & set(vals):
            raise UserError(_('A signature cannot be changed.'))
        if set(vals) & {'state', 'invalidated_by_id', 'invalidated_at',
                        'invalidation_reason'} and not self.env.su:
            raise UserError(_('Use "Unlock for correction" on the signed record to invalidate '
                              'its signatures.'))
        if any(signature.state == 'invalidated' for signature in self) and 'state' in vals:
            raise UserError(_('An invalidated signature stays invalidated.'))
        return super().write(vals)

    def action_open_record(self):
        self.ensure_one()
        return form_action(self.env, self.res_model, self.res_id)


def chain_text(chain_hash):
    return ' '.join(chain_hash[i:i + 16] for i in range(0, len(chain_hash), 16))
