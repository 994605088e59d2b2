from odoo import models


class MrpUnbuild(models.Model):
    _inherit = 'mrp.unbuild'

    def action_unbuild(self):
        result = super().action_unbuild()
        # a fully unbuilt lot no longer contains its components: its links go inactive
        self.env['mes.lot.link']._mes_mark_dirty(self.mo_id.ids)
        return result
