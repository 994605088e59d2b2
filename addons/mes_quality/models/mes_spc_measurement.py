from odoo import _, api, fields, models
from odoo.exceptions import UserError


class MesSpcMeasurement(models.Model):
    """One measured value of a variable characteristic, from an inspection sample or a
    measurement step on the shop floor: the narrow, indexed table SPC charts read (a
    characteristic gathers hundreds of thousands of them). Written by the records it comes
    from, never by hand; it follows a corrected inspection result."""
    _name = 'mes.spc.measurement'
    _description = 'SPC Measurement'
    _order = 'seq'
    _log_access = False

    characteristic_key = fields.Char(required=True, readonly=True, index=True,
                                     help='Shared by every version of the characteristic.')
    characteristic_id = fields.Many2one('mes.inspection.characteristic', required=True,
                                        readonly=True, ondelete='restrict')
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    seq = fields.Integer(string='Number', required=True, readonly=True,
                         help='Position in the characteristic\'s history (1, 2, ...): '
                              'subgroups are consecutive numbers, counted from the first.')
    value = fields.Float(required=True, readonly=True, digits=(16, 6))
    measured_at = fields.Datetime(required=True, readonly=True)
    sample_no = fields.Integer(readonly=True)
    lot_id = fields.Many2one('stock.lot', readonly=True)
    production_id = fields.Many2one('mrp.production', readonly=True)
    workcenter_id = fields.Many2one('mrp.workcenter', readonly=True)
    operator_id = fields.Many2one('res.users', readonly=True)
    equipment_code = fields.Char(string='Equipment', readonly=True,
                                 help='The gauge that measured it, or the equipment scanned on '
                                      'its work order.')
    inspection_result_id = fields.Many2one('mes.inspection.result', readonly=True,
                                           ondelete='restrict', index='btree_not_null')
    step_execution_id = fields.Many2one('mes.step.execution', readonly=True,
                                        ondelete='restrict', index='btree_not_null')

    _seq_unique = models.Constraint('UNIQUE (characteristic_key, company_id, seq)',
                                    'A measurement number is used once per characteristic.')

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(_('SPC measurements come from inspections and measurement steps.'))
        cr = self.env.cr
        last = {}
        for vals in vals_list:
            key = (vals['characteristic_key'], vals['company_id'])
            if key not in last:
                # numbered in a row per characteristic: concurrent recorders wait their turn
                cr.execute('SELECT pg_advisory_xact_lock(hashtext(%s))', ['mes_spc:%s:%s' % key])
                cr.execute('SELECT COALESCE(max(seq), 0) FROM mes_spc_measurement '
                           'WHERE characteristic_key = %s AND company_id = %s', list(key))
                last[key] = cr.fetchone()[0]
            last[key] += 1
            vals['seq'] = last[key]
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(_('SPC measurements come from inspections and measurement steps.'))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_('SPC measurements are part of the quality record.'))
