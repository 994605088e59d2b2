from collections import defaultdict

from odoo import _, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason


class MrpProduction(models.Model):
    _inherit = 'mrp.production'

    def _post_inventory(self, cancel_backorder=False):
        result = super()._post_inventory(cancel_backorder=cancel_backorder)
        self.filtered(lambda p: p.state == 'done')._mes_start_final_inspections()
        return result

    def _mes_start_final_inspections(self):
        """Each lot a done order produced waits in quarantine for its final inspection, when
        its product has an approved final inspection plan."""
        Inspection = self.env['mes.inspection']
        for production in self:
            plan = self.env['mes.inspection.plan']._mes_plan_for(
                production.product_id, 'final', production.company_id)
            if not plan:
                continue
            produced = defaultdict(float)
            for line in production.move_finished_ids.filtered(
                    lambda m: m.product_id == production.product_id and m.state == 'done'
            ).move_line_ids.filtered('lot_id'):
                produced[line.lot_id] += line.product_uom_id._compute_quantity(
                    line.quantity, production.product_id.uom_id)
            for lot, qty in produced.items():
                if Inspection.sudo().search_count([('lot_id', '=', lot.id),
                                                   ('plan_id', '=', plan.id),
                                                   ('state', '=', 'pending')], limit=1):
                    continue
                lot.sudo().with_context(mes_audit_reason=AuditReason(
                    _('Produced by %(order)s: waits for its final inspection',
                      order=production.name))).write({'mes_release_state': 'quarantine'})
                Inspection._mes_start(plan, production.product_id, lot, qty,
                                      production_id=production.id,
                                      company_id=production.company_id.id)
