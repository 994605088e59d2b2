from odoo import api, fields, models

# Odoo maintains these itself (e.g. archiving with the BoM, learned cycle times).
_UNLOCKED_FIELDS = {'active', 'time_cycle', 'time_cycle_manual_computed'}


class MrpRoutingWorkcenter(models.Model):
    _name = 'mrp.routing.workcenter'
    _inherit = ['mrp.routing.workcenter', 'mes.master.record.part']
    _mes_audit_fields = ('bom_id', 'name', 'workcenter_id', 'sequence', 'time_cycle_manual',
                         'active')
    _mes_part_unlocked_fields = frozenset(_UNLOCKED_FIELDS)

    mes_step_ids = fields.One2many('mes.operation.step', 'operation_id', string='Shop-floor Steps',
                                   copy=True)
    mes_step_count = fields.Integer(string='Steps', compute='_compute_mes_step_count')
    mes_bom_approval_state = fields.Selection(related='bom_id.mes_approval_state')

    @api.depends('mes_step_ids')
    def _compute_mes_step_count(self):
        for operation in self:
            operation.mes_step_count = len(operation.mes_step_ids)

    def copy(self, default=None):
        # "Copy existing operations" into another BoM: scan steps follow their
        # component into the target BoM (same product), or the copy is refused.
        if self.env.context.get('mes_copying_steps'):
            return super().copy(default)
        new_operations = super(MrpRoutingWorkcenter,
                               self.with_context(mes_copying_steps=True)).copy(default)
        new_operations.mes_step_ids._mes_repoint_components()
        return new_operations.with_context(self.env.context)

