from odoo import fields, models


class MesSignatureMeaning(models.Model):
    """What a signature means (Part 11.50(a)(3)): performed, verified, approved..."""
    _name = 'mes.signature.meaning'
    _description = 'Signature Meaning'
    _order = 'sequence, id'

    code = fields.Char(required=True, help='Stable technical key used by the API.')
    name = fields.Char(string='Meaning', required=True, translate=True,
                       help='Printed with the signature, e.g. "Approved by".')
    sequence = fields.Integer(default=10)
    requires_reason = fields.Boolean(
        help='The signer must state a reason or comment for this meaning.')
    active = fields.Boolean(default=True)

    _code_unique = models.Constraint('UNIQUE (code)', 'A signature meaning code is used once.')
