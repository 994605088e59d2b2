import json

from odoo import api, fields, models

from ..lib import sampling


class MesInspectionLine(models.Model):
    """One characteristic of an inspection, with the sampling plan fixed when the inspection
    was created (a later plan or severity change never touches it)."""
    _name = 'mes.inspection.line'
    _description = 'Inspection Characteristic Result'
    _order = 'inspection_id, sequence, id'

    inspection_id = fields.Many2one('mes.inspection', required=True, ondelete='restrict',
                                    index=True, readonly=True)
    company_id = fields.Many2one(related='inspection_id.company_id', store=True, index=True)
    characteristic_id = fields.Many2one('mes.inspection.characteristic', required=True,
                                        readonly=True, ondelete='restrict')
    sequence = fields.Integer(related='characteristic_id.sequence', store=True)
    name = fields.Char(related='characteristic_id.name')
    characteristic_type = fields.Selection(related='characteristic_id.characteristic_type')
    # the specification as it was when the inspection started (judged against this)
    lower_limit = fields.Float(readonly=True)
    upper_limit = fields.Float(readonly=True)
    has_lower_limit = fields.Boolean(readonly=True)
    has_upper_limit = fields.Boolean(readonly=True)
    decimals = fields.Integer(readonly=True)
    uom_id = fields.Many2one(related='characteristic_id.uom_id')
    code_letter = fields.Char(readonly=True)
    sample_size = fields.Integer(readonly=True)
    acceptance_number = fields.Integer(string='Ac', readonly=True)
    class_plans = fields.Char(readonly=True,
                              help='The sampling plan of each defect class (JSON).')
    plan_summary = fields.Char(string='Sampling', compute='_compute_plan_summary')
    result_ids = fields.One2many('mes.inspection.result', 'line_id', readonly=True)
    nonconforming = fields.Integer(compute='_compute_outcome')
    accepted = fields.Boolean(compute='_compute_outcome')

    def _mes_class_plans(self):
        self.ensure_one()
        return {cls: sampling.Plan(**data) for cls, data in
                json.loads(self.class_plans or '{}').items()}

    def _mes_plan(self):
        plans = self._mes_class_plans()
        return max(plans.values(), key=lambda plan: plan.sample_size)

    @api.depends('class_plans')
    def _compute_plan_summary(self):
        for line in self:
            line.plan_summary = '; '.join(
                '%s: n=%s Ac=%s Re=%s%s' % (cls, plan.sample_size, plan.ac, plan.re,
                                           ' (%s)' % plan.code_letter if plan.code_letter
                                           else '')
                for cls, plan in line._mes_class_plans().items())

    def _mes_counts(self):
        """{defect class: nonconforming count within that class's own sample}."""
        self.ensure_one()
        counts = {}
        for cls, plan in self._mes_class_plans().items():
            results = self.result_ids.filtered(lambda r, n=plan.sample_size: r.sample_no <= n)
            if cls == 'nonconforming':
                counts[cls] = len(results.filtered('out_of_spec'))
            else:
                counts[cls] = sum(results.mapped('defects_%s' % cls))
        return counts

    def _mes_accepted(self):
        self.ensure_one()
        plans = self._mes_class_plans()
        return all(plans[cls].decide(count) for cls, count in self._mes_counts().items())

    def _mes_accepted_at_tighter_aql(self):
        """Would the lot have been accepted at the next tighter AQL (switching score)?"""
        self.ensure_one()
        characteristic = self.characteristic_id
        tighter = {}
        for cls, aql in characteristic._mes_aqls():
            smaller = sampling.tighter_aql(aql) if aql else None
            if not smaller:
                return False
            plan = self._mes_class_plans()[cls]
            tighter[cls] = sampling.single_plan(max(int(self.inspection_id.lot_qty), 1),
                                                characteristic.inspection_level, smaller,
                                                plan.severity)
        return all(tighter[cls].decide(count) for cls, count in self._mes_counts().items())

    @api.depends('result_ids.out_of_spec', 'result_ids.defects_critical',
                 'result_ids.defects_major', 'result_ids.defects_minor', 'class_plans')
    def _compute_outcome(self):
        for line in self:
            counts = line._mes_counts()
            line.nonconforming = sum(counts.values())
            line.accepted = line._mes_accepted() if line.class_plans else False

    def action_record_results(self):
        self.ensure_one()
        self.inspection_id.env['mes.inspection.result']._mes_check_open(self.inspection_id)
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._('Record %(characteristic)s', characteristic=self.name),
            'res_model': 'mes.inspection.record',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {'default_line_id': self.id},
        }

    def action_open_spc_chart(self):
        self.ensure_one()
        return self.characteristic_id.action_open_spc_chart()
