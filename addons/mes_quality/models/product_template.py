from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import gs1


class ProductTemplate(models.Model):
    _inherit = 'product.template'

    mes_gtin = fields.Char(
        string='GTIN (UDI-DI)', copy=False,
        help='GS1 Global Trade Item Number of the device at this packaging level: the '
             'UDI device identifier printed on labels and certificates (check digit '
             'validated; stored as 14 digits).')
    mes_basic_udi_di = fields.Char(
        string='Basic UDI-DI', copy=False,
        help='The EU MDR Basic UDI-DI of the device model (technical documentation, '
             'certificates, EUDAMED).')

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('mes_gtin'):
                vals['mes_gtin'] = self._mes_normalised_gtin(vals['mes_gtin'])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get('mes_gtin'):
            vals = dict(vals, mes_gtin=self._mes_normalised_gtin(vals['mes_gtin']))
        return super().write(vals)

    @api.model
    def _mes_normalised_gtin(self, value):
        try:
            return gs1.validate_gtin(value.strip())
        except ValueError as error:
            raise ValidationError(_('%(gtin)s is not a valid GTIN: %(why)s', gtin=value,
                                    why=str(error))) from error

    def _mes_udi_di(self):
        self.ensure_one()
        return self.mes_gtin or False
