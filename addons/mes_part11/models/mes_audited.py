import base64
import hashlib
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import part11_views


class AuditReason(str):
    """A reason our own code gives a change (``with_context(mes_audit_reason=AuditReason(...))``):
    a plain string in the context, as any JSON-2 caller can send, is never taken as one."""


def trusted_reason(context):
    reason = context.get('mes_audit_reason')
    return reason if isinstance(reason, AuditReason) and reason.strip() else None


# longest reason a user may give with a change (it is sealed into every entry of the change)
MAX_CHANGE_REASON = 2000


def user_reason(env):
    """The reason a user gave for their change (``mes_change_reason``), or None."""
    reason = env.context.get('mes_change_reason')
    if not isinstance(reason, str) or not reason.strip():
        return None
    if len(reason) > MAX_CHANGE_REASON:
        raise UserError(env._('A change reason has at most %(max)s characters.',
                              max=MAX_CHANGE_REASON))
    return reason.strip()


# Longest text an audited field takes (about 30 pages): anything longer belongs in a document
MAX_AUDITED_TEXT = 100000

class MesAudited(models.AbstractModel):
    """Audit trail for a GxP model: every create, change and deletion of its declared
    fields becomes a hash-chained ``mes.audit.entry`` in the same transaction.

    A model opts in with ``_inherit = [..., 'mes.audited']`` and declares
    ``_mes_audit_fields``. ``_mes_audit_reason_field`` names a field whose new value is the
    reason of the change (else the ``mes_audit_reason`` context key is used);
    ``_mes_audit_no_delete`` refuses deletion (archive instead).
    """
    _name = 'mes.audited'
    _description = 'Audited Record (Part 11)'

    _mes_audit_fields = ()
    _mes_audit_reason_field = None
    _mes_audit_no_delete = True
    _mes_audit_tab = True  # the Audit Trail tab is added to the model's form views
    # Fields only the record's own methods set: at creation their default is the model's
    # own, never one from the caller's context (``default_<field>``, which JSON-2 callers
    # send) or from saved user defaults (ir.default), superuser paths included.
    _mes_protected_fields = ()

    mes_audit_entry_ids = fields.Many2many(
        'mes.audit.entry', string='Audit Trail', compute='_compute_mes_audit_entry_ids')
    mes_audit_entry_count = fields.Integer(string='Audit Entries',
                                           compute='_compute_mes_audit_entry_ids')

    @api.depends_context('uid', 'allowed_company_ids')
    def _compute_mes_audit_entry_ids(self):
        Entry = self.env['mes.audit.entry']
        by_record = {}
        real = self.filtered('id')
        # the entries the user may read (their companies'); who may not read the trail at
        # all sees an empty history, not an error (the tab is for audit trail readers)
        readable = self.env['ir.model.access'].check('mes.audit.entry', 'read', False)
        if real and readable:
            for entry in Entry.search([('res_model', '=', self._name),
                                       ('res_id', 'in', real.ids)]):
                by_record.setdefault(entry.res_id, []).append(entry.id)
        for record in self:
            ids = by_record.get(record.id, []) if record.id else []
            # as superuser when empty: Odoo checks read access on the comodel even then
            (record if readable else record.sudo()).mes_audit_entry_ids = Entry.browse(ids)
            record.mes_audit_entry_count = len(ids)

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        for fname in self._mes_protected_fields:
            if fname in defaults:
                field = self._fields[fname]
                if field.default:
                    defaults[fname] = field.convert_to_write(
                        field.convert_to_cache(field.default(self), self), self)
                else:
                    del defaults[fname]
        return defaults

    @api.model
    def _get_view(self, view_id=None, view_type='form', **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == 'form' and self._mes_audit_tab:
            part11_views.audit_tab(self.env, arch)
        return arch, view

    # -- values as stored and as displayed ------------------------------------------
    def _mes_audit_value(self, fname):
        """(stored, displayed) text of one field of one record; (None, None) when empty."""
        field = self._fields[fname]
        value = self[fname]
        if field.type == 'many2one':
            return (str(value.id), value.display_name) if value else (None, None)
        if field.type in ('one2many', 'many2many'):
            return (json.dumps(value.ids), ', '.join(value.mapped('display_name'))) if value \
                else (None, None)
        if field.type == 'boolean':
            return ('true', _('Yes')) if value else ('false', _('No'))
        if value is False or value is None or value == '':
            if field.type in ('integer', 'float', 'monetary'):
                return ('0', '0')
            return (None, None)
        if field.type == 'selection':
            labels = dict(field._description_selection(self.env))
            return (str(value), str(labels.get(value, value)))
        if field.type in ('date', 'datetime'):
            text = field.to_string(value)
            return (text, text)
        if field.type in ('float', 'monetary'):
            return (repr(float(value)), str(value))
        if field.type == 'binary':
            # the file by its digest: a replaced file is a recorded change
            data = self.with_context(bin_size=False)[fname]
            digest = hashlib.sha256(base64.b64decode(data)).hexdigest()
            return ('sha256:' + digest, _('File, SHA-256 %(digest)s', digest=digest))
        return (str(value), str(value))

    def _mes_audit_snapshot(self, fnames):
        return {
            record.id: {fname: record._mes_audit_value(fname) for fname in fnames}
            for record in self.sudo()
        }

    def _mes_audit_entries(self, operation, fnames, before, after, reason=None):
        entries = []
        for record in self:
            old_values = before.get(record.id, {})
            new_values = after.get(record.id, {})
            for fname in fnames:
                old = old_values.get(fname, (None, None))
                new = new_values.get(fname, (None, None))
                if operation == 'write' and old[0] == new[0]:
                    continue
                if operation != 'write' and (old if operation == 'unlink' else new)[0] is None:
                    continue
                entries.append({
                    'operation': operation,
                    'res_model': self._name,
                    'res_id': record.id,
                    'field_name': fname,
                    'old_value': old[0], 'old_display': old[1],
                    'new_value': new[0], 'new_display': new[1],
                    'company_id': record._mes_audit_company_id(),
                    'reason': reason,
                })
        return entries

    def _mes_audit_delete_refusal(self):
        # the model's description in the user's language (``_description`` is English)
        kind = self.env['ir.model']._get(self._name).name or self._description
        return _('%(kind)s records are part of the GxP record and cannot be deleted; archive '
                 'them instead.', kind=kind)

    def _mes_audit_company_id(self):
        # records without a company (shared master data, settings) are attributed to the
        # company of whoever changed them: no entry is readable by every company
        company = self.sudo()['company_id'] if 'company_id' in self._fields else False
        return company.id if company else self.env.company.id

    def _mes_audit_declared(self, names):
        return [fname for fname in self._mes_audit_fields if fname in names]

    def _mes_audit_reason(self, vals):
        if self._mes_audit_reason_field and vals.get(self._mes_audit_reason_field):
            return vals[self._mes_audit_reason_field]
        # our own code gives its reason through the context (an AuditReason, which no caller
        # can forge); the user's own statement comes as ``mes_change_reason`` (the web
        # client's reason prompt, or any caller's), kept as they wrote it
        return trusted_reason(self.env.context) or user_reason(self.env)

    def _mes_require_reason(self, operation, entries, reason):
        """A change that a change reason rule covers is refused without a reason. System
        actions running with elevated rights (su) give their own or none; every user's
        entry point (form, import, JSON-2) runs without su."""
        if reason or not entries or self.env.su or 'mes.change.reason.rule' not in self.env:
            return
        Rule = self.env['mes.change.reason.rule']
        by_record = {}
        for entry in entries:
            by_record.setdefault((entry['res_id'], entry['company_id']), []).append(
                entry['field_name'])
        for (res_id, company_id), fnames in by_record.items():
            covered = Rule._mes_covered(self._name, company_id, fnames, operation)
            if covered:
                record = self.browse(res_id)
                labels = ', '.join(self._fields[f].get_description(self.env)['string']
                                   for f in covered if f in self._fields)
                raise UserError(_('Give the reason for this change: %(fields)s of '
                                  '%(record)s can only change with a reason, which is kept in '
                                  'the audit trail.', fields=labels,
                                  record=record.sudo().display_name) if operation != 'unlink'
                                else _('Give the reason for deleting %(record)s: it is kept in '
                                       'the audit trail.', record=record.sudo().display_name))

    # -- ORM hooks ------------------------------------------------------------------
    @api.model
    def _mes_check_text_sizes(self, vals_list):
        """Audited text is sealed into the append-only trail for good: a runaway paste (or
        a hostile 10 MB comment) is refused before it gets there."""
        for vals in vals_list:
            for fname in self._mes_audit_fields:
                value = vals.get(fname)
                if isinstance(value, str) and len(value) > MAX_AUDITED_TEXT and \
                        self._fields[fname].type in ('char', 'text', 'html'):
                    raise UserError(_('%(field)s is too long to be kept in the audit trail (at '
                                      'most %(max)s characters).', max=MAX_AUDITED_TEXT,
                                      field=self._fields[fname].get_description(self.env)['string']))

    @api.model_create_multi
    def create(self, vals_list):
        self._mes_check_text_sizes(vals_list)
        records = super().create(vals_list)
        fnames = list(self._mes_audit_fields)
        if fnames:
            after = records._mes_audit_snapshot(fnames)
            reasons = {record.id: record._mes_audit_reason(vals)
                       for record, vals in zip(records, vals_list)}
            entries = []
            for record in records:
                entries += record._mes_audit_entries('create', fnames, {}, after,
                                                     reasons.get(record.id))
            self.env['mes.audit.entry']._mes_append(entries)
            records.invalidate_recordset(['mes_audit_entry_ids', 'mes_audit_entry_count'])
        return records

    def write(self, vals):
        self._mes_check_text_sizes([vals])
        fnames = self._mes_audit_declared(vals)
        if not fnames or not self:
            return super().write(vals)
        reason = self._mes_audit_reason(vals)
        if not reason and self._mes_reason_rules_may_cover(fnames):
            # only fields whose value really changes need a reason, which the write shows:
            # under a savepoint, so that a refusal leaves nothing written (also for a caller
            # that catches the error)
            with self.env.cr.savepoint():
                result, entries = self._mes_audited_write(vals, fnames, reason)
                self._mes_require_reason('write', entries, reason)
        else:
            result, entries = self._mes_audited_write(vals, fnames, reason)
        self.env['mes.audit.entry']._mes_append(entries)
        self.invalidate_recordset(['mes_audit_entry_ids', 'mes_audit_entry_count'])
        return result

    def _mes_audited_write(self, vals, fnames, reason):
        before = self._mes_audit_snapshot(fnames)
        result = super().write(vals)
        after = self._mes_audit_snapshot(fnames)
        return result, self._mes_audit_entries('write', fnames, before, after, reason)

    def _mes_reason_rules_may_cover(self, fnames):
        if self.env.su or 'mes.change.reason.rule' not in self.env:
            return False
        return bool(self.env['mes.change.reason.rule']._mes_covered(
            self._name, None, fnames, any_company=True))

    def unlink(self):
        if not self:
            return super().unlink()
        if self._mes_audit_no_delete:
            raise UserError(self._mes_audit_delete_refusal())
        fnames = list(self._mes_audit_fields)
        before = self._mes_audit_snapshot(fnames)
        reason = self._mes_audit_reason({})
        entries = self._mes_audit_entries('unlink', fnames, before, {}, reason)
        self._mes_require_reason('unlink', entries, reason)
        self.env['mes.audit.entry']._mes_append(entries)
        return super().unlink()

    def action_mes_open_audit_trail(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Audit Trail: %(record)s', record=self.display_name),
            'res_model': 'mes.audit.entry',
            'view_mode': 'list,form',
            'views': [(False, 'list'), (False, 'form')],
            'domain': [('res_model', '=', self._name), ('res_id', '=', self.id)],
            'context': {'create': False},
        }
