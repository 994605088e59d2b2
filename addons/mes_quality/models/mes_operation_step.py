from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MesOperationStep(models.Model):
    _inherit = 'mes.operation.step'

    step_type = fields.Selection(selection_add=[('inspection', 'Inspection'),
                                                ('label', 'Label verification')],
                                 ondelete={'inspection': 'set default', 'label': 'set default'})
    inspection_plan_id = fields.Many2one(
        'mes.inspection.plan',
        domain=[('inspection_type', '=', 'in_process')],
        help='In-process inspection done at this step: the approved version of this plan is '
             'used when the step is executed; its results are part of the step record.')
    spc_characteristic_id = fields.Many2one(
        'mes.inspection.characteristic', string='SPC Characteristic',
        domain=[('characteristic_type', '=', 'variable')],
        help='Values recorded at this measurement step join this characteristic\'s control '
             'chart.')

    @api.constrains('step_type', 'inspection_plan_id')
    def _check_inspection_step(self):
        for step in self.filtered(lambda s: s.step_type == 'inspection'):
            if not step.inspection_plan_id:
                raise ValidationError(_('Inspection step "%(step)s" needs an in-process '
                                        'inspection plan.', step=step.name))
            if step.inspection_plan_id.inspection_type != 'in_process':
                raise ValidationError(_('Inspection step "%(step)s": %(plan)s is not an '
                                        'in-process plan.', step=step.name,
                                        plan=step.inspection_plan_id.display_name))
