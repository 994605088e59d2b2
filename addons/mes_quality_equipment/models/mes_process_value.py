from odoo import api, models


class MesProcessValue(models.Model):
    _inherit = 'mes.process.value'

    @api.model
    def _mes_retention_holds(self, equipment, start, stop):
        """Finished productions hold their process values until their production record is
        released (or rejected: the decision is made, the archive keeps what is critical)."""
        holds = super()._mes_retention_holds(equipment, start, stop)
        productions = self.env['mrp.production'].sudo().search([
            ('state', '=', 'done'), ('date_start', '<=', stop),
            ('date_finished', '>=', start)])
        if equipment and all(item.mes_workcenter_id for item in equipment):
            productions = productions.filtered(
                lambda p: p.workorder_ids.workcenter_id & equipment.mes_workcenter_id)
        return holds | productions.filtered(
            lambda p: p.mes_production_record_state not in ('released', 'rejected'))
