from odoo import _, api, fields, models
from odoo.exceptions import UserError


class MrpWorkorder(models.Model):
    _inherit = 'mrp.workorder'

    mes_step_execution_ids = fields.One2many('mes.step.execution', 'workorder_id',
                                             string='Shop-floor Steps')
    mes_step_count = fields.Integer(string='Steps', compute='_compute_mes_progress')
    mes_step_done_count = fields.Integer(string='Steps Done', compute='_compute_mes_progress')
    mes_step_progress = fields.Float(string='Step Progress', compute='_compute_mes_progress')
    mes_next_step_id = fields.Many2one('mes.step.execution', string='Next Step',
                                       compute='_compute_mes_progress')
    mes_exception_ids = fields.One2many('mes.exception', 'workorder_id', string='Exceptions')
    mes_blocking_exception_count = fields.Integer(compute='_compute_mes_exceptions')

    @api.depends('mes_step_execution_ids.state')
    def _compute_mes_progress(self):
        for workorder in self:
            workorder.update(workorder.mes_step_execution_ids._mes_progress_values())
            workorder.mes_next_step_id = workorder._mes_next_step()

    @api.depends('mes_exception_ids.blocking')
    def _compute_mes_exceptions(self):
        for workorder in self:
            workorder.mes_blocking_exception_count = len(
                workorder.mes_exception_ids.filtered('blocking'))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_shop_floor_steps(self):
        # the database refuses it too (mes_step_execution.workorder_id ON DELETE RESTRICT)
        with_steps = self.filtered('mes_step_execution_ids')
        if with_steps:
            raise UserError(_('%(workorders)s carry shop-floor steps of a released order: they '
                              'are part of its production record and cannot be deleted.',
                              workorders=', '.join(with_steps.mapped('display_name'))))

    def _mes_next_step(self):
        self.ensure_one()
        return self.mes_step_execution_ids.filtered(lambda s: s.state == 'pending').sorted(
            lambda s: (s.sequence, s.id))[:1]

    def button_start(self, raise_on_invalid_state=False):
        for workorder in self:
            production = workorder.production_id
            if production._mes_release_required() and not production.mes_release_date:
                raise UserError(_(
                    'Manufacturing order %(mo)s has not been released to the shop floor: work '
                    'order %(wo)s cannot start.', mo=production.name, wo=workorder.name))
        return super().button_start(raise_on_invalid_state=raise_on_invalid_state)

    def button_finish(self):
        self.filtered(lambda wo: wo.state not in ('done', 'cancel'))._mes_check_can_finish()
        return super().button_finish()

    def _mes_check_can_finish(self):
        problems = []
        for workorder in self:
            open_steps = workorder.mes_step_execution_ids.filtered(lambda s: s.state == 'pending')
            if open_steps:
                problems.append(_('%(wo)s has %(count)s open step(s), next: "%(step)s"',
                                  wo=workorder.display_name, count=len(open_steps),
                                  step=open_steps.sorted(lambda s: (s.sequence, s.id))[0].name))
            blocking = workorder.mes_exception_ids.filtered('blocking')
            if blocking:
                problems.append(_('%(wo)s has undispositioned blocking exception(s): %(refs)s',
                                  wo=workorder.display_name,
                                  refs=', '.join(blocking.mapped('name'))))
        if problems:
            raise UserError(_('Work cannot be finished:\n%(problems)s',
                              problems='\n'.join('- %s' % p for p in problems)))

    def action_mes_record_next_step(self):
        self.ensure_one()
        step = self._mes_next_step()
        if not step:
            raise UserError(_('All steps of %(wo)s are recorded.', wo=self.display_name))
        return step.action_open_record_wizard()

    # -- kiosk -----------------------------------------------------------------------------
    def _mes_kiosk_card(self):
        """One work order in a kiosk queue."""
        self.ensure_one()
        production = self.production_id
        open_exceptions = self.mes_exception_ids.filtered(lambda e: e.state == 'open')
        return {
            'id': self.id, 'name': self.name, 'production': production.name,
            'product': production.product_id.display_name,
            'quantity': production.product_qty, 'uom': production.product_uom_id.name,
            'workcenter_id': self.workcenter_id.id, 'workcenter': self.workcenter_id.name,
            'state': self.state, 'working': bool(self.is_user_working),
            'priority': production.priority,
            'due': fields.Datetime.to_string(production.date_deadline or self.date_start
                                             or production.date_start) or False,
            'components': production.components_availability_state or False,
            'components_label': production.components_availability or '',
            'steps': self.mes_step_count, 'steps_done': self.mes_step_done_count,
            'open_exceptions': len(open_exceptions),
            'blocked': bool(self.mes_blocking_exception_count),
            'released': bool(production.mes_release_date),
        }

    def _mes_kiosk_detail(self):
        """A work order as the kiosk runs it: its card, its steps, what blocks it, and a
        snapshot for checking scans while the server cannot be reached."""
        self.ensure_one()
        card = self._mes_kiosk_card()
        blocking = self.mes_exception_ids.filtered('blocking')
        card.update({
            'master_version': self.mes_step_execution_ids[:1].bom_version or False,
            'steps': [step._mes_kiosk_step() for step in self.mes_step_execution_ids.sorted(
                lambda s: (s.sequence, s.id))],
            'next_step_id': self._mes_next_step().id or False,
            'blocked_by': [{'name': e.name, 'description': e.description,
                            'unblocked_by': self.env._('a supervisor or QA dispositions it')}
                           for e in blocking],
            'snapshot_time': fields.Datetime.to_string(fields.Datetime.now()),
        })
        return card
