from odoo import _, api, fields, models
from odoo.exceptions import UserError

ACTION_KINDS = [
    ('correction', 'Correction'),
    ('corrective', 'Corrective action'),
    ('preventive', 'Preventive action'),
]


class MesCapaAction(models.Model):
    """One action of a CAPA's plan, with its owner, due date and an Odoo activity; done with
    a note of what was done."""
    _name = 'mes.capa.action'
    _description = 'CAPA Action'
    _inherit = ['mes.audited']
    _order = 'capa_id, date_due, id'
    _mes_audit_fields = ('capa_id', 'kind', 'description', 'owner_id', 'date_due', 'state',
                         'done_note')
    _mes_audit_no_delete = False
    _mes_protected_fields = ('state',)

    capa_id = fields.Many2one('mes.capa', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='capa_id.company_id', store=True)
    kind = fields.Selection(ACTION_KINDS, required=True, default='corrective')
    description = fields.Text(required=True)
    owner_id = fields.Many2one('res.users')
    date_due = fields.Date(string='Due')
    state = fields.Selection([('open', 'Open'), ('done', 'Done')], default='open',
                             required=True, readonly=True)
    done_note = fields.Text(string='What Was Done')

    @api.depends('capa_id.name', 'description')
    def _compute_display_name(self):
        for action in self:
            text = (action.description or '').splitlines()[0][:60] if action.description else ''
            action.display_name = '%s: %s' % (action.capa_id.name or '', text)

    @api.model_create_multi
    def create(self, vals_list):
        actions = super().create(vals_list)
        actions.capa_id._mes_check_open_for_edit()
        if not self.env.context.get('mes_capa_creating'):
            actions._mes_schedule_activity()
        return actions

    def _mes_schedule_activity(self):
        """The owner of each action gets an activity on its CAPA, due on its date."""
        for action in self.filtered('owner_id'):
            action.capa_id.activity_schedule(
                'mail.mail_activity_data_todo', date_deadline=action.date_due,
                user_id=action.owner_id.id, summary=action.description[:100])

    def write(self, vals):
        if 'state' in vals and not self.env.su:
            raise UserError(_('An action is completed with "Mark Done" and a note.'))
        self.capa_id._mes_check_open_for_edit()
        return super().write(vals)

    def unlink(self):
        self.capa_id._mes_check_open_for_edit()
        return super().unlink()

    def action_mark_done(self):
        return self.env['mes.quality.note']._mes_open(self, 'capa_action_done',
                                                      _('What Was Done'))

    def mes_mark_done(self, note):
        """Complete the action with what was done: by quality, or by the action's owner
        (often in production, who may only read the CAPA)."""
        self.ensure_one()
        self.check_access('read')
        if self.owner_id != self.env.user:
            self.check_access('write')
        if not (note or '').strip():
            raise UserError(_('Say what was done.'))
        if self.capa_id.stage != 'implementation':
            raise UserError(_('Actions are completed during implementation.'))
        self.sudo().write({'state': 'done', 'done_note': note.strip()})
        return True
