from collections import defaultdict

from odoo import _, api, fields, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.exceptions import UserError


class MrpProduction(models.Model):
    _inherit = 'mrp.production'

    mes_nc_line_id = fields.Many2one(
        'mes.nonconformance.line', string='Nonconformance Line', readonly=True, copy=False,
        index='btree_not_null',
        help='The signed MRB disposition this rework (or regrade) order carries out.')
    mes_production_record_ids = fields.One2many('mes.production.record', 'production_id',
                                                string='Production Records')
    mes_production_record_id = fields.Many2one(
        'mes.production.record', string='Production Record',
        compute='_compute_mes_production_record')
    mes_production_record_state = fields.Selection(
        [('review', 'To Review'), ('released', 'Released'), ('rejected', 'Rejected'),
         ('superseded', 'Superseded')], string='Record Review',
        compute='_compute_mes_production_record')

    @api.depends('mes_production_record_ids.state')
    def _compute_mes_production_record(self):
        for production in self:
            record = production.mes_production_record_ids.filtered(
                lambda r: r.state != 'superseded')[:1]
            production.mes_production_record_id = record
            production.mes_production_record_state = record.state or False

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(vals.get('mes_nc_line_id') for vals in vals_list):
            raise UserError(_('Rework orders are created by signing a nonconformance '
                              'disposition.'))
        return super().create(vals_list)

    def write(self, vals):
        if 'mes_nc_line_id' in vals and not self.env.su:
            raise UserError(_('Rework orders are created by signing a nonconformance '
                              'disposition.'))
        return super().write(vals)

    def _mes_release_required(self):
        # a rework order is authorised by the signed disposition, not by a master record
        return super()._mes_release_required() and not self.mes_nc_line_id

    def _mes_unverified_consumption(self):
        lines = super()._mes_unverified_consumption()
        if self.mes_nc_line_id.lot_id:
            lines = lines.filtered(lambda l: l.lot_id != self.mes_nc_line_id.lot_id)
        return lines

    def _post_inventory(self, cancel_backorder=False):
        result = super()._post_inventory(cancel_backorder=cancel_backorder)
        done = self.filtered(lambda p: p.state == 'done')
        done.filtered(lambda p: not p.mes_nc_line_id)._mes_start_final_inspections()
        done.mes_nc_line_id._mes_done_by_document()
        return result

    def button_mark_done(self):
        result = super().button_mark_done()
        # the device history record waits in the review queue from the moment the order is
        # done (compiled once everything marking it done has been written)
        Record = self.env['mes.production.record'].sudo()
        for production in self.filtered(lambda p: p.state == 'done'
                                        and not p.mes_production_record_ids):
            Record._mes_compile(production)
        return result

    def action_mes_production_record(self):
        """The production record of this order: compiled now when the order changed."""
        self.ensure_one()
        Record = self.env['mes.production.record']
        current = self.mes_production_record_id
        if current and current.state != 'review':
            return current._mes_open()
        if not self.env.user.has_group('mes_bridge.group_mes_quality_inspector'):
            if current:
                return current._mes_open()
            raise UserError(_('%(mo)s has no production record yet: quality compiles it.',
                              mo=self.name))
        return Record._mes_compile(self)._mes_open()

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
                if lot.mes_release_state == 'released':  # a held or rejected lot stays so
                    lot.sudo().with_context(mes_audit_reason=AuditReason(
                        _('Produced by %(order)s: waits for its final inspection',
                          order=production.name))).write({'mes_release_state': 'quarantine'})
                Inspection._mes_start(plan, production.product_id, lot, qty,
                                      production_id=production.id,
                                      company_id=production.company_id.id)
