from odoo import api, models


class MrpBomLine(models.Model):
    _inherit = 'mrp.bom.line'

    @api.model_create_multi
    def create(self, vals_list):
        self.env['mrp.bom']._mes_check_editable_ids(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self.bom_id._mes_check_editable()
        if vals.get('bom_id'):
            self.env['mrp.bom'].browse(vals['bom_id'])._mes_check_editable()
        return super().write(vals)

    def unlink(self):
        self.bom_id._mes_check_editable()
        return super().unlink()
