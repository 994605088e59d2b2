from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import production_record as record_lib

FLAG_KIND_LABELS = [
    ('out_of_limit', 'Out-of-limit value'),
    ('deviation', 'Deviation'),
    ('manual_override', 'Manual override'),
    ('correction', 'Correction after signature'),
    ('late_entry', 'Late entry'),
    ('backdated_entry', 'Back-dated entry'),
    ('unreleased_material', 'Material not released at use'),
    ('equipment_status', 'Equipment not qualified or calibrated'),
    ('process_gap', 'Process data gap'),
    ('process_excursion', 'Process excursion'),
    ('spc_signal', 'SPC signal'),
    ('mass_balance', 'Mass balance out of tolerance'),
    ('inspection', 'Rejected inspection'),
    ('concession', 'Concession'),
]


class MesProductionRecordFlag(models.Model):
    """One thing a reviewer must look at in a production record (review by exception); the
    QA release waits until every flag is acknowledged with a comment."""
    _name = 'mes.production.record.flag'
    _description = 'Production Record Flag'
    _inherit = ['mes.audited']
    _order = 'record_id, sequence, id'
    _mes_audit_fields = ('record_id', 'kind', 'key', 'description', 'acknowledged', 'comment',
                         'acknowledged_by_id')
    _mes_audit_no_delete = True
    # nothing of a flag comes from the caller: not even through default_* context keys
    _mes_protected_fields = ('acknowledged', 'acknowledged_by_id', 'acknowledged_date',
                             'comment', 'description', 'key', 'kind', 'params_hash',
                             'record_id', 'sequence')

    record_id = fields.Many2one('mes.production.record', required=True, readonly=True,
                                index=True, ondelete='restrict')
    company_id = fields.Many2one(related='record_id.company_id', store=True)
    sequence = fields.Integer(readonly=True)
    kind = fields.Selection(FLAG_KIND_LABELS, required=True, readonly=True)
    key = fields.Char(required=True, readonly=True)
    description = fields.Text(required=True, readonly=True)
    params_hash = fields.Char(readonly=True, help='What the flag is about, whatever the '
                                                   'language it is worded in.')
    acknowledged = fields.Boolean(readonly=True)
    comment = fields.Text(readonly=True)
    acknowledged_by_id = fields.Many2one('res.users', readonly=True)
    acknowledged_date = fields.Datetime(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(_('Flags are raised by compiling the production record.'))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(_('A flag is acknowledged with a comment, through Acknowledge.'))
        return super().write(vals)

    @api.model
    def _mes_flag_vals(self, flag, acknowledged=None):
        """Values of a flag from ``lib.production_record.review_flags``; an acknowledgement
        of the same item in the previous version carries over."""
        vals = {'kind': flag['kind'], 'key': flag['key'],
                'description': self._mes_describe(flag['kind'], flag['params']),
                'params_hash': record_lib.content_hash(flag['params'])}
        if acknowledged and acknowledged.params_hash == vals['params_hash']:
            vals.update(acknowledged=True, comment=acknowledged.comment,
                        acknowledged_by_id=acknowledged.acknowledged_by_id.id,
                        acknowledged_date=acknowledged.acknowledged_date)
        return vals

    @api.model
    def _mes_describe(self, kind, p):
        def v(name):
            value = p.get(name)
            return '' if value is None else value
        states = dict(self.env['stock.lot']._fields['mes_release_state']._description_selection(
            self.env))
        texts = {
            'out_of_limit': lambda: self.env._('%(step)s: %(value)s outside %(spec)s', step=v('step'),
                                      value=v('value'), spec=v('spec')),
            'deviation': lambda: self.env._('%(name)s (%(severity)s, %(state)s): %(description)s; '
                                   'disposition: %(disposition)s', **{k: v(k) for k in (
                                       'name', 'severity', 'state', 'description',
                                       'disposition')}),
            'manual_override': lambda: self.env._('%(name)s: %(description)s', name=v('name'),
                                         description=v('description')),
            'spc_signal': lambda: self.env._('%(name)s: %(description)s', name=v('name'),
                                    description=v('description')),
            'correction': lambda: self.env._('%(record)s unlocked for correction by %(user)s on '
                                    '%(date)s: %(reason)s', record=v('record'), user=v('user'),
                                    date=v('date'), reason=v('reason')),
            'late_entry': lambda: self.env._('%(step)s recorded %(hours)s h after the previous step',
                                    step=v('step'), hours=v('hours')),
            'backdated_entry': lambda: self.env._('%(step)s dated %(date)s but recorded on %(recorded)s',
                                         step=v('step'), date=v('date'),
                                         recorded=v('recorded')),
            'unreleased_material': lambda: self.env._(
                'Lot %(lot)s of %(product)s was %(state)s when used', lot=v('lot'),
                product=v('product'), state=states.get(v('state'), v('state'))),
            'equipment_status': lambda: self.env._('%(equipment)s: %(problem)s',
                                          equipment=v('equipment'), problem=v('problem')),
            'process_gap': lambda: self.env._('%(parameter)s: %(count)s gap(s) in the data, %(seconds)s '
                                     's in all', parameter=v('parameter'), count=v('count'),
                                     seconds=v('seconds')),
            'process_excursion': lambda: self.env._('%(parameter)s: %(count)s value(s) outside limits',
                                           parameter=v('parameter'), count=v('count')),
            'mass_balance': lambda: self.env._('%(product)s deviates %(deviation)s %% from the bill of '
                                      'materials', product=v('product'),
                                      deviation=v('deviation')),
            'inspection': lambda: self.env._('Inspection %(name)s rejected lot %(lot)s', name=v('name'),
                                    lot=v('lot')),
            'concession': lambda: self.env._('%(name)s: lot %(lot)s used as is: %(justification)s',
                                    name=v('name'), lot=v('lot'),
                                    justification=v('justification')),
        }
        return texts[kind]()

    def mes_acknowledge(self, comment):
        """The reviewer has looked at these flags: recorded with their comment."""
        if not self.env.user.has_group('mes_bridge.group_mes_quality_inspector'):
            raise AccessError(_('Flags are acknowledged by quality.'))
        self.check_access('read')
        if not (comment or '').strip():
            raise UserError(_('Say what you checked: a comment is required.'))
        if self.filtered(lambda f: f.record_id.state != 'review'):
            raise UserError(_('Only the flags of a record waiting for review are '
                              'acknowledged.'))
        self.sudo().write({'acknowledged': True, 'comment': comment.strip(),
                           'acknowledged_by_id': self.env.uid,
                           'acknowledged_date': fields.Datetime.now()})
        return True

    def action_acknowledge(self):
        self.ensure_one()
        return self.env['mes.quality.note']._mes_open(self, 'flag_acknowledge',
                                                      _('Acknowledge Flag'))
