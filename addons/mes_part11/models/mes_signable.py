from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import integrity
from ..tools import part11_views
from .mes_audited import AuditReason

SIGNATURE_STATUSES = [
    ('unsigned', 'Not signed'),
    ('partial', 'Partly signed'),
    ('signed', 'Signed'),
    ('invalid', 'Signature invalid'),
]


class MesSignable(models.AbstractModel):
    """Electronic signatures on a record (21 CFR 11.50, 11.70, 11.100, 11.200).

    A model opts in with ``_inherit = [..., 'mes.signable']``, declares the content a
    signature covers in ``_mes_signature_content`` (field names; for one2many/many2many a
    ``(field, (subfields...))`` pair so related lines are included) and gets its policy from
    ``mes.signature.policy`` records. Fields of that content are locked once the record
    carries a valid signature; "Unlock for correction" is the only way back.
    """
    _name = 'mes.signable'
    _description = 'Signable Record (Part 11)'

    _mes_signature_content = ()
    # What a model's signatures cover may grow (mrp.bom, 2: its by-products too): each
    # signature keeps the rules it was given under, so that a record signed before still
    # verifies. A model that widens its content raises this and reads ``version`` in
    # ``_mes_content``.
    _mes_signature_content_version = 1
    _mes_signature_tab = True  # the signature banner, tab and unlock button join its forms

    mes_signature_ids = fields.Many2many('mes.signature', string='Signatures',
                                         compute='_compute_mes_signatures')
    mes_signature_status = fields.Selection(SIGNATURE_STATUSES, string='Signature Status',
                                            compute='_compute_mes_signatures')
    mes_signature_manifest = fields.Text(string='Signed', compute='_compute_mes_signatures')
    mes_next_signature = fields.Char(string='Next Signature', compute='_compute_mes_signatures')

    @api.model
    def _get_view(self, view_id=None, view_type='form', **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == 'form' and self._mes_signature_tab:
            group = self.sudo()._mes_signature_policy().unlock_group_id
            part11_views.signature_parts(self.env, arch,
                                         group.get_external_id().get(group.id) if group else None)
        return arch, view

    def _compute_mes_signatures(self):
        Signature = self.env['mes.signature'].sudo()
        by_record = {}
        real = self.filtered('id')
        if real:
            for signature in Signature.search([('res_model', '=', self._name),
                                               ('res_id', 'in', real.ids)]):
                by_record.setdefault(signature.res_id, Signature)
                by_record[signature.res_id] |= signature
        for record in self:
            signatures = by_record.get(record.id, Signature) if record.id else Signature
            record.mes_signature_ids = signatures
            valid = signatures.filtered(lambda s: s.state == 'valid')
            if any(s.status == 'invalid' for s in valid):
                status = 'invalid'
            elif not valid:
                status = 'unsigned'
            else:
                status = 'partial' if record._mes_next_signature_line() else 'signed'
            record.mes_signature_status = status
            record.mes_signature_manifest = '\n'.join(
                '%s%s' % (s.manifestation, '' if s.status == 'valid' else ' [%s]' % dict(
                    s._fields['status']._description_selection(self.env))[s.status])
                for s in valid) or False
            line = record._mes_next_signature_line() if record.id else False
            record.mes_next_signature = line.meaning_id.name if line else False

    # -- content and hash ---------------------------------------------------------------
    @api.model
    def _mes_plain(self, record, fname):
        value = record[fname]
        field = record._fields[fname]
        if field.type == 'many2one':
            # the id, not the name: renaming a work center must not void a signature
            return value.id or None
        if field.type in ('one2many', 'many2many'):
            return sorted(value.ids)
        if field.type in ('date', 'datetime'):
            return field.to_string(value) if value else None
        if field.type == 'float':
            return repr(float(value or 0.0))
        if field.type == 'binary':
            return bool(value)
        return value if value is not False or field.type == 'boolean' else None

    def _mes_signature_content_of(self, record, spec):
        content = {}
        for item in spec:
            if isinstance(item, (tuple, list)):
                fname, subspec = item
                content[fname] = [
                    self._mes_signature_content_of(line, subspec)
                    for line in record[fname].sorted('id')
                ]
            else:
                content[item] = self._mes_plain(record, item)
        return content

    def _mes_content(self, version=None):
        """The canonical content a signature of this record covers. ``version``: the rules a
        past signature was given under (see ``_mes_signature_content_version``); by default
        the current ones."""
        self.ensure_one()
        record = self.sudo().with_context(lang='en_US', active_test=False)
        content = self._mes_signature_content_of(record, self._mes_signature_content)
        content['__model__'] = self._name
        content['__id__'] = self.id
        return content

    def _mes_content_hash(self, version=None):
        return integrity.content_hash(self._mes_content(version))

    def _mes_model_label(self):
        """The model's description in the user's language (``_description`` is English)."""
        return self.env['ir.model']._get(self._name).name or self._description

    def _mes_signed_field_names(self):
        return {item[0] if isinstance(item, (tuple, list)) else item
                for item in self._mes_signature_content}

    # -- policy ---------------------------------------------------------------------------
    def _mes_signature_policy(self):
        return self.env['mes.signature.policy'].sudo()._mes_for_model(self._name)

    def _mes_signature_lines(self):
        """Policy lines this record needs, in order (a model may narrow them down)."""
        return self._mes_signature_policy().line_ids

    def _mes_valid_signatures(self):
        self.ensure_one()
        return self.env['mes.signature'].sudo().search([
            ('res_model', '=', self._name), ('res_id', '=', self.id), ('state', '=', 'valid')])

    def _mes_next_signature_line(self):
        """The first policy line still short of signatures, or an empty recordset."""
        self.ensure_one()
        signatures = self._mes_valid_signatures()
        for line in self._mes_signature_lines():
            given = signatures.filtered(lambda s: s.meaning_id == line.meaning_id)
            if len(given) < line.signatures_required:
                return line
        return self.env['mes.signature.policy.line']

    def _mes_performers(self):
        """Users who performed the record: they may not verify or approve it."""
        self.ensure_one()
        return self.sudo().create_uid

    def _mes_is_signed(self):
        return bool(self.id) and bool(self._mes_valid_signatures())

    # -- signing --------------------------------------------------------------------------
    def mes_sign(self, meaning, login, password, reason=None):
        """Sign this record with ``meaning`` (a meaning code), re-authenticating the signer.

        The one entry point for forms, lists, the kiosk and JSON-2. A wrong password is not
        an exception (the failure must be counted and survive): it is returned.

        :returns: dict ``{'signed': bool, 'signature_id', 'message', 'complete': bool}``
        """
        self.ensure_one()
        # the signature is written as superuser: first, the signer must see the record
        # (access rights and record rules, other companies included)
        self.check_access('read')
        self._mes_check_sign_entry()
        line = self._mes_check_can_sign(meaning)
        if line.requires_reason or line.meaning_id.requires_reason:
            if not (reason or '').strip():
                raise UserError(_('A reason is required to sign as "%(meaning)s".',
                                  meaning=line.meaning_id.name))
        ok, message = self.env['res.users']._mes_check_signing_credentials(login, password)
        if not ok:
            return {'signed': False, 'signature_id': False, 'message': message,
                    'complete': False}
        signature = self._mes_create_signature(line, reason)
        self._mes_on_signed(signature)
        complete = not self._mes_next_signature_line()
        if complete:
            self._mes_on_signature_complete()
        self.invalidate_recordset(['mes_signature_ids', 'mes_signature_status',
                                   'mes_signature_manifest', 'mes_next_signature'])
        return {'signed': True, 'signature_id': signature.id, 'complete': complete,
                'message': _('Signed: %(manifest)s', manifest=signature.manifestation)}

    def _mes_check_sign_entry(self):
        """Hook: refuse ``mes_sign`` where a record is signed only inside its own workflow
        (a step when it is recorded, an exception with its disposition)."""

    def _mes_check_can_sign(self, meaning):
        """The policy line ``meaning`` signs, after order, right and segregation checks."""
        lines = self._mes_signature_lines()
        if not lines:
            raise UserError(_('%(kind)s records have no signature policy.',
                              kind=self._mes_model_label()))
        line = lines.filtered(lambda l: l.meaning_id.code == meaning)[:1]
        if not line:
            raise UserError(_('"%(meaning)s" is not a signature this record takes.',
                              meaning=meaning))
        next_line = self._mes_next_signature_line()
        if not next_line:
            raise UserError(_('%(record)s is already fully signed.', record=self.display_name))
        if next_line != line:
            raise UserError(_('Signatures are given in order: "%(next)s" comes before '
                              '"%(meaning)s".', next=next_line.meaning_id.name,
                              meaning=line.meaning_id.name))
        user = self.env.user
        if not (line.group_ids & user.all_group_ids):
            raise AccessError(_('You may not sign "%(record)s" as "%(meaning)s": this needs '
                                '%(groups)s.', record=self.display_name,
                                meaning=line.meaning_id.name,
                                groups=', '.join(line.group_ids.mapped('name'))))
        signatures = self._mes_valid_signatures()
        if line.segregated:
            if user in self._mes_performers():
                raise AccessError(_('Segregation of duties: you performed %(record)s and may '
                                    'not also sign it as "%(meaning)s".',
                                    record=self.display_name, meaning=line.meaning_id.name))
            if user in signatures.filtered(lambda s: s.meaning_id != line.meaning_id).signer_id:
                raise AccessError(_('Segregation of duties: you already signed %(record)s with '
                                    'another meaning.', record=self.display_name))
        if user in signatures.filtered(lambda s: s.meaning_id == line.meaning_id).signer_id:
            raise UserError(_('You already signed %(record)s as "%(meaning)s"; another person '
                              'must give the next one.', record=self.display_name,
                              meaning=line.meaning_id.name))
        return line

    def _mes_create_signature(self, line, reason=None):
        user = self.env.user
        company = self['company_id'] if 'company_id' in self._fields else self.env.company
        return self.env['mes.signature'].sudo().create({
            'res_model': self._name,
            'res_id': self.id,
            'res_name': self.display_name,
            'company_id': (company or self.env.company).id,
            'meaning_id': line.meaning_id.id,
            'policy_line_id': line.id,
            'signer_id': user.id,
            'signer_name': user.name,
            'signer_role': self._mes_signer_role(line, user),
            'signer_tz': user.tz or 'UTC',
            'signed_at': fields.Datetime.now(),
            'reason': (reason or '').strip() or False,
            'content_hash': self._mes_content_hash(),
            'content_version': self._mes_signature_content_version,
        })

    @api.model
    def _mes_signer_role(self, line, user):
        """The role in which ``user`` signs under ``line``: the policy's groups they hold
        (their authority to sign), else their job position."""
        groups = line.group_ids & user.sudo().all_group_ids if line else self.env['res.groups']
        return ', '.join(groups.mapped('name')) or user.sudo().partner_id.function or False

    def _mes_on_signed(self, signature):
        """Hook: one signature was given."""

    def _mes_on_signature_complete(self):
        """Hook: the last signature the policy needs was given."""

    # -- the lock and the only way around it ---------------------------------------------
    def write(self, vals):
        signed_fields = self._mes_signed_field_names() & set(vals)
        if signed_fields:
            locked = self.filtered(lambda r: r._mes_is_signed())
            if locked:
                labels = ', '.join(sorted(
                    self._fields[f].get_description(self.env)['string'] for f in signed_fields))
                raise UserError(_(
                    '%(record)s is signed and locked: %(fields)s cannot change. An authorised '
                    'person can "Unlock for correction", which invalidates the signatures.',
                    record=locked[0].display_name, fields=labels))
        return super().write(vals)

    def mes_unlock_for_correction(self, reason, login, password):
        """Invalidate (never delete) the signatures so the record can be corrected.

        :returns: dict ``{'unlocked': bool, 'message'}``
        """
        self.ensure_one()
        # the policy's unlock group is the right; the record must be one the caller sees
        # (its company included), as everything below runs as superuser
        self.check_access('read')
        policy = self._mes_signature_policy()
        if not policy or not (policy.unlock_group_id & self.env.user.all_group_ids):
            raise AccessError(_('You may not unlock signed %(kind)s records for correction.',
                                kind=self._mes_model_label()))
        if not (reason or '').strip():
            raise UserError(_('State why the signed record must be corrected.'))
        signatures = self._mes_valid_signatures()
        if not signatures:
            raise UserError(_('%(record)s carries no valid signature.', record=self.display_name))
        ok, message = self.env['res.users']._mes_check_signing_credentials(login, password)
        if not ok:
            return {'unlocked': False, 'message': message}
        reason = reason.strip()
        signatures.with_context(mes_audit_reason=AuditReason(reason)).write({
            'state': 'invalidated',
            'invalidated_by_id': self.env.uid,
            'invalidated_at': fields.Datetime.now(),
            'invalidation_reason': reason,
        })
        self.env['mes.audit.entry']._mes_append([{
            'operation': 'unlock',
            'res_model': self._name,
            'res_id': self.id,
            'company_id': signatures[0].company_id.id or None,
            'reason': reason,
            'old_value': ','.join(str(i) for i in signatures.ids),
            'old_display': '\n'.join(signatures.mapped('manifestation')),
        }])
        # the signatures are invalidated above: the record is no longer locked
        self.with_context(mes_audit_reason=AuditReason(reason))._mes_on_unlock()
        self.invalidate_recordset(['mes_signature_ids', 'mes_signature_status',
                                   'mes_signature_manifest', 'mes_next_signature'])
        return {'unlocked': True, 'message': _('%(record)s is unlocked for correction; its '
                                               'signatures are invalidated.',
                                               record=self.display_name)}

    def _mes_on_unlock(self):
        """Hook: put the record back where it can be corrected."""

    # -- UI ---------------------------------------------------------------------------------
    def action_mes_sign(self):
        # from a list: propose the meaning when every record awaits the same one
        meanings = {record._mes_next_signature_line().meaning_id.id for record in self}
        return self._mes_sign_wizard_action(_('Sign'), {
            'default_meaning_id': meanings.pop() if len(meanings) == 1 else False})

    def action_mes_unlock_for_correction(self):
        self.ensure_one()
        return self._mes_sign_wizard_action(_('Unlock for Correction'),
                                            {'default_mode': 'unlock'})

    def _mes_sign_wizard_action(self, name, context):
        return {
            'type': 'ir.actions.act_window',
            'name': name,
            'res_model': 'mes.sign.wizard',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': dict(context, default_res_model=self._name,
                            default_res_ids=','.join(str(i) for i in self.ids)),
        }
