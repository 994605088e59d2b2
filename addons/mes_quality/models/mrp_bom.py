from odoo import models


class MrpBom(models.Model):
    _inherit = 'mrp.bom'

    def _mes_check_can_sign(self, meaning):
        # with change control on, a new version needs an approved change request naming it
        for bom in self:
            self.env['mes.change.request']._mes_check_authorised(bom)
        return super()._mes_check_can_sign(meaning)
