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
        # (translations of its wording are maintained as usual)
        if {'code', 'name'} & set(vals) and self.env['mes.signature'].sudo().search_count(
                [('meaning_id', 'in', self.ids)], limit=1):
            raise UserError(_('Signatures were given with this meaning: its code and wording '
                              'cannot change. Archive it and create a new meaning instead.'))
        return super().write(vals)
