from odoo import _, api, fields, models


class MesStepRecord(models.TransientModel):
    """Guided entry of one step: the form shows only what the step type needs."""
    _name = 'mes.step.record'
    _inherit = ['mes.signing.input']
    _description = 'Record a Shop-floor Step'

    step_execution_id = fields.Many2one('mes.step.execution', required=True, readonly=True,
                                        ondelete='cascade')
    workorder_id = fields.Many2one(related='step_execution_id.workorder_id')
    step_type = fields.Selection(related='step_execution_id.step_type')
    instructions = fields.Html(related='step_execution_id.instructions')
    specification = fields.Char(related='step_execution_id.specification')
    target = fields.Float(related='step_execution_id.target')
    uom_id = fields.Many2one(related='step_execution_id.uom_id')
    product_id = fields.Many2one(related='step_execution_id.product_id')
    expected_equipment = fields.Char(related='step_execution_id.expected_equipment')
    signature_meaning = fields.Selection(related='step_execution_id.signature_meaning')
    criticality = fields.Selection(related='step_execution_id.criticality')
    progress = fields.Char(compute='_compute_progress')
    value = fields.Char(string='Measured value')
    check_result = fields.Selection([('pass', 'Pass'), ('fail', 'Fail')], string='Result')
    code = fields.Char(string='Scan')
    comment = fields.Text()
    can_override = fields.Boolean(compute='_compute_can_override')
    override = fields.Boolean(
        string='Supervisor override',
        help='Record the scan a supervisor signs past (a lot in quarantine or expired, '
             'equivalent equipment), with the reason in the comment. QA reviews it.')

    @api.depends('step_execution_id')
    def _compute_progress(self):
        for wizard in self:
            wo = wizard.workorder_id
            wizard.progress = _('Step %(done)s of %(total)s - %(wo)s',
                                done=wo.mes_step_done_count + 1, total=wo.mes_step_count,
                                wo=wo.display_name)

    @api.depends('step_type')
    def _compute_can_override(self):
        supervisor = self.env.user.has_group('mes_bridge.group_mes_supervisor')
        for wizard in self:
            wizard.can_override = supervisor and wizard.step_type in ('material', 'equipment')

    def action_record(self):
        self.ensure_one()
        step = self.step_execution_id
        login, password = self._mes_credentials()
        if self.override:
            outcome = step.mes_override(self.code, self.comment, login=login, password=password)
        else:
            outcome = step.mes_record(
                value=self.value,
                passed=None if not self.check_result else self.check_result == 'pass',
                code=self.code, login=login, password=password, comment=self.comment)
        next_action = {'type': 'ir.actions.act_window_close'}
        if outcome['accepted'] and outcome['next_step_id']:
            next_action = self.env['mes.step.execution'].browse(
                outcome['next_step_id']).action_open_record_wizard()
        elif not outcome['accepted']:
            next_action = step.action_open_record_wizard()
        if not outcome['accepted'] or outcome['exception_id']:
            return {
                'type': 'ir.actions.client',
                'tag': 'display_notification',
                'params': {
                    'title': _('Refused') if not outcome['accepted'] else _('Exception recorded'),
                    'message': outcome['message'],
                    'type': 'danger' if not outcome['accepted'] or outcome['blocking']
                    else 'warning',
                    'sticky': True,
                    'next': next_action,
                },
            }
        return next_action
