from datetime import timedelta

from odoo import _, api, fields, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.exceptions import UserError

from .mes_nonconformance import state_change_data

CAPA_SOURCES = [
    ('nonconformance', 'Nonconformance'),
    ('complaint', 'Customer complaint'),
    ('audit', 'Audit finding'),
    ('spc', 'SPC trend'),
    ('recurrence', 'Recurring nonconformance'),
]
CAPA_STAGES = [
    ('initiation', 'Initiation'),
    ('investigation', 'Investigation'),
    ('action_plan', 'Action Plan'),
    ('implementation', 'Implementation'),
    ('effectiveness', 'Effectiveness Verification'),
    ('closed', 'Closed'),
    ('cancelled', 'Cancelled'),
]
RCA_METHODS = [('five_whys', '5 Whys'), ('ishikawa', 'Ishikawa (6M)')]
EFFECTIVENESS = [('effective', 'Effective'), ('not_effective', 'Not effective')]
_ORDER = [key for key, _label in CAPA_STAGES]
_CAPA_FACTS = {'name', 'stage', 'closed_by_id', 'closed_date', 'cancel_reason',
               'effectiveness_result', 'verified_by_id', 'verified_date'}


class MesCapa(models.Model):
    """Corrective and preventive action (ISO 13485 8.5.2): problem, root cause by a named
    method, actions with owners and due dates, implementation, a verification of
    effectiveness against a criterion (not effective sends it back to the action plan), and a
    closure a QA manager signs. Never deleted: cancelled with a reason."""
    _name = 'mes.capa'
    _description = 'CAPA'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'mes.audited', 'mes.signable']
    _order = 'id desc'
    _check_company_auto = True
    _mes_protected_fields = tuple(sorted(_CAPA_FACTS))
    _mes_audit_fields = ('name', 'title', 'source', 'stage', 'problem_statement', 'rca_method',
                         'effectiveness_criterion', 'effectiveness_due', 'evidence',
                         'effectiveness_result', 'verified_by_id', 'user_id', 'cancel_reason',
                         'closed_by_id', 'company_id')
    _mes_signature_content = ('title', 'problem_statement', 'rca_method',
                              'effectiveness_criterion', 'evidence', 'effectiveness_result',
                              ('cause_ids', ('category', 'description', 'is_root')),
                              ('action_ids', ('kind', 'description', 'owner_id', 'state')))

    name = fields.Char(string='Reference', required=True, readonly=True, copy=False,
                       default=lambda self: _('New'))
    title = fields.Char(required=True, tracking=True)
    source = fields.Selection(CAPA_SOURCES, required=True, default='nonconformance')
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    user_id = fields.Many2one('res.users', string='Owner', tracking=True,
                              default=lambda self: self.env.user)
    nonconformance_ids = fields.Many2many('mes.nonconformance', string='Nonconformances',
                                          check_company=True)
    product_id = fields.Many2one('product.product', check_company=True)
    stage = fields.Selection(CAPA_STAGES, required=True, default='initiation', readonly=True,
                             tracking=True, index=True)
    problem_statement = fields.Text()
    rca_method = fields.Selection(RCA_METHODS, string='Root Cause Method')
    cause_ids = fields.One2many('mes.capa.cause', 'capa_id', string='Causes')
    action_ids = fields.One2many('mes.capa.action', 'capa_id', string='Actions')
    effectiveness_criterion = fields.Text(
        help='What will show the actions worked (e.g. no recurrence in 3 months).')
    effectiveness_due = fields.Date(string='Verify Effectiveness on')
    evidence = fields.Text(string='Effectiveness Evidence')
    effectiveness_result = fields.Selection(EFFECTIVENESS, readonly=True, tracking=True)
    verified_by_id = fields.Many2one('res.users', readonly=True)
    verified_date = fields.Datetime(readonly=True)
    cancel_reason = fields.Text(readonly=True)
    closed_by_id = fields.Many2one('res.users', readonly=True)
    closed_date = fields.Datetime(readonly=True)
    age_days = fields.Integer(string='Age (days)', compute='_compute_age')
    overdue = fields.Boolean(compute='_compute_age', search='_search_overdue')

    def _compute_age(self):
        today = fields.Date.context_today(self)
        for capa in self:
            opened = fields.Date.to_date(capa.create_date) if capa.create_date else today
            capa.age_days = (today - opened).days
            late_actions = capa.action_ids.filtered(
                lambda a: a.state == 'open' and a.date_due and a.date_due < today)
            capa.overdue = capa.stage not in ('closed', 'cancelled') and bool(
                late_actions or (capa.effectiveness_due and capa.effectiveness_due < today
                                 and capa.stage == 'effectiveness'))

    def _search_overdue(self, operator, value):
        today = fields.Date.context_today(self)
        late = self.search([('stage', 'not in', ('closed', 'cancelled')), '|',
                            '&', ('action_ids.state', '=', 'open'),
                            ('action_ids.date_due', '<', today),
                            '&', ('stage', '=', 'effectiveness'),
                            ('effectiveness_due', '<', today)])
        # Odoo 19 hands search methods 'in' / 'not in' with a list of values
        values = list(value) if not isinstance(value, (bool, int, str)) and value is not None \
            else [value]
        positive = any(values) if operator in ('in', '=') else not any(values)
        return [('id', 'in' if positive else 'not in', late.ids)]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('name', _('New')) == _('New'):
                vals['name'] = self.env['ir.sequence'].sudo().next_by_code('mes.capa') or '/'
        # actions given with the CAPA get their activities once it exists (with its followers)
        capas = super(MesCapa, self.with_context(mes_capa_creating=True)).create(vals_list)
        capas = capas.with_context(self.env.context)
        capas.action_ids._mes_schedule_activity()
        return capas

    def write(self, vals):
        if _CAPA_FACTS & set(vals) and not self.env.su:
            raise UserError(_('A CAPA moves through its stages with its actions; its closure is '
                              'signed.'))
        if self.filtered(lambda c: c.stage in ('closed', 'cancelled')) and set(vals) - {
                'message_follower_ids', 'message_ids', 'activity_ids',
                'message_main_attachment_id'}:
            raise UserError(_('A closed or cancelled CAPA cannot change.'))
        before = {record.id: record.stage for record in self} if 'stage' in vals else {}
        result = super().write(vals)
        self.env['mes.event']._mes_emit_state_changes(self, before, 'stage',
                                                      {'*': 'capa.stage_changed'})
        return result

    def _mes_event_data(self, old_state=None):
        return state_change_data(self, 'stage', old_state)

    def _mes_event_product(self):
        return self.product_id

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_('A CAPA is part of the quality record: cancel it with a reason.'))

    def _mes_check_open_for_edit(self):
        for capa in self:
            if capa.stage in ('closed', 'cancelled', 'effectiveness'):
                raise UserError(_('%(capa)s is in %(stage)s: its causes and actions no longer '
                                  'change.', capa=capa.name, stage=dict(
                                      capa._fields['stage']._description_selection(
                                          capa.env))[capa.stage]))

    # -- stages ----------------------------------------------------------------------------
    def _mes_stage_problems(self, target):
        """Why the CAPA cannot enter ``target`` yet (translated sentences)."""
        self.ensure_one()
        problems = []
        if target == 'action_plan':
            if not (self.problem_statement or '').strip():
                problems.append(_('state the problem'))
            if not self.rca_method:
                problems.append(_('choose the root cause method'))
            if not self.cause_ids.filtered('is_root'):
                problems.append(_('record at least one root cause'))
        elif target == 'implementation':
            if not self.action_ids.filtered(lambda a: a.kind == 'corrective'):
                problems.append(_('plan at least one corrective action'))
            if self.action_ids.filtered(lambda a: not a.owner_id or not a.date_due):
                problems.append(_('give every action an owner and a due date'))
        elif target == 'effectiveness':
            if self.action_ids.filtered(lambda a: a.state != 'done'):
                problems.append(_('complete every action'))
            if not (self.effectiveness_criterion or '').strip() or not self.effectiveness_due:
                problems.append(_('set the effectiveness criterion and its due date'))
        return problems

    def action_next_stage(self):
        """Move to the next stage once its conditions hold (closure is signed instead)."""
        for capa in self:
            capa.check_access('write')
            index = _ORDER.index(capa.stage)
            target = _ORDER[index + 1]
            if capa.stage in ('effectiveness', 'closed', 'cancelled'):
                raise UserError(_('%(capa)s is verified and closed by its effectiveness '
                                  'check and a signature.', capa=capa.name))
            problems = capa._mes_stage_problems(target)
            if problems:
                raise UserError(_('%(capa)s cannot move on yet: %(problems)s.', capa=capa.name,
                                  problems='; '.join(problems)))
            capa.sudo().write({'stage': target})
            if target == 'effectiveness' and capa.user_id:
                capa.activity_schedule(
                    'mail.mail_activity_data_todo', date_deadline=capa.effectiveness_due,
                    user_id=capa.user_id.id,
                    summary=_('Verify the effectiveness of %(capa)s', capa=capa.name))
        return True

    def mes_verify_effectiveness(self, effective, evidence):
        """Record the effectiveness verification: effective lets QA close it; not effective
        sends it back to the action plan (audited with the evidence)."""
        self.ensure_one()
        self.check_access('write')
        if not self.env.user.has_group('mes_bridge.group_mes_quality_inspector'):
            raise UserError(_('Effectiveness is verified by quality.'))
        if self.stage != 'effectiveness':
            raise UserError(_('%(capa)s is not in effectiveness verification.', capa=self.name))
        if not (evidence or '').strip():
            raise UserError(_('Give the evidence of the verification.'))
        vals = {'evidence': evidence.strip(), 'verified_by_id': self.env.uid,
                'verified_date': fields.Datetime.now(),
                'effectiveness_result': 'effective' if effective else 'not_effective'}
        if not effective:
            vals['stage'] = 'action_plan'
            self.action_ids.filtered(lambda a: a.state == 'done')  # kept as history
        self.sudo().with_context(mes_audit_reason=AuditReason(evidence.strip())).write(vals)
        return True

    def _mes_check_can_sign(self, meaning):
        self.ensure_one()
        if self.stage != 'effectiveness' or self.effectiveness_result != 'effective':
            raise UserError(_('%(capa)s closes only after an effective verification.',
                              capa=self.name))
        return super()._mes_check_can_sign(meaning)

    def _mes_on_signature_complete(self):
        self.sudo().write({'stage': 'closed', 'closed_by_id': self.env.uid,
                           'closed_date': fields.Datetime.now()})
        return super()._mes_on_signature_complete()

    def action_close(self):
        self.ensure_one()
        self._mes_check_can_sign('approved')
        return self.action_mes_sign()

    def action_verify_effective(self):
        return self.env['mes.quality.note']._mes_open(self, 'capa_effective',
                                                      _('Effective: Evidence'))

    def action_verify_not_effective(self):
        return self.env['mes.quality.note']._mes_open(self, 'capa_not_effective',
                                                      _('Not Effective: Evidence'))

    def action_cancel_wizard(self):
        return self.env['mes.quality.note']._mes_open(self, 'capa_cancel', _('Cancel CAPA'))

    def mes_cancel(self, reason):
        self.ensure_one()
        self.check_access('write')
        if not self.env.user.has_group('mes_bridge.group_mes_quality_manager'):
            raise UserError(_('Only a QA manager cancels a CAPA.'))
        if not (reason or '').strip():
            raise UserError(_('State why the CAPA is cancelled.'))
        if self.stage in ('closed', 'cancelled'):
            raise UserError(_('%(capa)s is already closed or cancelled.', capa=self.name))
        self.sudo().with_context(mes_audit_reason=AuditReason(reason.strip())).write(
            {'stage': 'cancelled', 'cancel_reason': reason.strip()})
        return True

    # -- reminders and recurrence -------------------------------------------------------------
    @api.model
    def _cron_effectiveness_reminders(self):
        """Daily: owners of CAPAs whose effectiveness check is due get a reminder."""
        today = fields.Date.context_today(self)
        for capa in self.search([('stage', '=', 'effectiveness'),
                                 ('effectiveness_due', '<=', today)]):
            if capa.user_id and not capa.activity_ids.filtered(
                    lambda a: a.user_id == capa.user_id and a.date_deadline <= today):
                capa.activity_schedule(
                    'mail.mail_activity_data_todo', date_deadline=today,
                    user_id=capa.user_id.id,
                    summary=_('Effectiveness check of %(capa)s is due', capa=capa.name))

    @api.model
    def _mes_propose_for_recurrence(self, nonconformance):
        """The same product and defect N times within M days (company settings) proposes a
        CAPA on those nonconformances, unless an open one already covers them."""
        nc = nonconformance
        company = nc.company_id
        count, days = company.mes_capa_recurrence_count, company.mes_capa_recurrence_days
        if not (count and days and nc.product_id and nc.defect):
            return self.browse()
        since = fields.Datetime.now() - timedelta(days=days)
        NC = self.env['mes.nonconformance'].sudo()
        recurring = NC.search([('product_id', '=', nc.product_id.id),
                               ('defect', '=ilike', nc.defect.strip()),
                               ('company_id', '=', company.id), ('create_date', '>=', since),
                               ('state', '!=', 'cancelled')])
        if len(recurring) < count:
            return self.browse()
        open_capa = self.sudo().search([('nonconformance_ids', 'in', recurring.ids),
                                        ('stage', 'not in', ('closed', 'cancelled'))], limit=1)
        if open_capa:
            open_capa.write({'nonconformance_ids': [(4, nc.id)]})
            return open_capa
        return self.sudo().create({
            'title': _('Recurring %(defect)s on %(product)s', defect=nc.defect,
                       product=nc.product_id.display_name),
            'source': 'recurrence', 'company_id': company.id, 'product_id': nc.product_id.id,
            'nonconformance_ids': [(6, 0, recurring.ids)], 'user_id': False,
            'problem_statement': _('%(count)s nonconformances of %(product)s with "%(defect)s" '
                                   'in %(days)s days.', count=len(recurring),
                                   product=nc.product_id.display_name, defect=nc.defect,
                                   days=days),
        })
