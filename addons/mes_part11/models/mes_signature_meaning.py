from odoo import _, fields, models
from odoo.exceptions import UserError


class MesSignatureMeaning(models.Model):
    """What a signature means (Part 11.50(a)(3)): performed, verified, approved..."""
    _name = 'mes.signature.meaning'
    _inherit = ['mes.audited']
    _description = 'Signature Meaning'
    _order = 'sequence, id'
    _mes_audit_fields = ('code', 'name', 'requires_reason', 'active')

    code = fields.Char(required=True, help='Stable technical key used by the API.')
    name = fields.Char(string='Meaning', required=True, translate=True,
                       help='Printed with the signature, e.g. "Approved by".')
    sequence = fields.Integer(default=10)
    requires_reason = fields.Boolean(
        help='The signer must state a reason or comment for this meaning.')
    active = fields.Boolean(default=True)

    _code_unique = models.Constraint('UNIQUE (code)', 'A signature meaning code is used once.')

    def write(self, vals):
        # a meaning that signatures carry keeps what it means: reword it by creating a new one
        # (its other languages are kept up to date through the translation dialog, audited)
        changing = ('code' in vals and any(m.code != vals['code'] for m in self)) or (
            'name' in vals and any(m.name != vals['name'] for m in self))
        if changing and self.env['mes.signature'].sudo().search_count(
                [('meaning_id', 'in', self.ids)], limit=1):
            raise UserError(_('Signatures were given with this meaning: its code and wording '
                              'cannot change. Archive it and create a new meaning instead.'))
        return super().write(vals)

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=''):
        # the translation dialog and update_field_translations write past write(): the same
        # rule holds there (a used meaning keeps its English wording), and every change of
        # its wording in any language is in the audit trail
        if field_name == 'name' and self:
            used = self.env['mes.signature'].sudo().search_count(
                [('meaning_id', 'in', self.ids)], limit=1)
            if used and 'en_US' in translations:
                raise UserError(_('Signatures were given with this meaning: its code and '
                                  'wording cannot change. Archive it and create a new meaning '
                                  'instead.'))
            langs = [lang for lang in translations if lang != 'en_US']
            before = {(meaning.id, lang): meaning.with_context(lang=lang).name
                      for meaning in self for lang in langs}
            result = super()._update_field_translations(field_name, translations, digest,
                                                        source_lang)
            self.invalidate_recordset(['name'])
            self.env['mes.audit.entry']._mes_append([{
                'operation': 'write', 'res_model': self._name, 'res_id': meaning.id,
                'field_name': 'name',
                'old_value': before[meaning.id, lang], 'old_display': before[meaning.id, lang],
                'new_value': meaning.with_context(lang=lang).name,
                'new_display': meaning.with_context(lang=lang).name,
                'reason': _('Translation (%(lang)s) changed', lang=lang),
            } for meaning in self for lang in langs
                if meaning.with_context(lang=lang).name != before[meaning.id, lang]])
            return result
        return super()._update_field_translations(field_name, translations, digest, source_lang)
