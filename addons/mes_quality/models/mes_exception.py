from odoo import _, fields, models
from odoo.exceptions import AccessError


class MesException(models.Model):
    _inherit = 'mes.exception'

    source = fields.Selection(selection_add=[('quality', 'Quality Inspection / SPC')],
                              ondelete={'quality': 'set default'})
    kind = fields.Selection(selection_add=[('inspection', 'Inspection rejected'),
                                           ('spc', 'SPC signal'),
                                           ('label_mismatch', 'Wrong label')],
                            ondelete={'inspection': 'set default', 'spc': 'set default',
                                      'label_mismatch': 'set default'})

    def action_escalate_nonconformance(self):
        """A supervisor or QA escalates an exception to a nonconformance on its lot."""
        self.ensure_one()
        self.check_access('read')
        user = self.env.user
        if not (user.has_group('mes_bridge.group_mes_supervisor')
                or user.has_group('mes_bridge.group_mes_quality_inspector')):
            raise AccessError(_('Only a supervisor or quality escalates an exception to a '
                                'nonconformance.'))
        NC = self.env['mes.nonconformance']
        nc = NC.search([('exception_id', '=', self.id)], limit=1)
        if not nc:
            product = self.product_id or self.lot_id.product_id or self.production_id.product_id
            lines = [{'product_id': product.id, 'lot_id': self.lot_id.id,
                      'quantity': 1.0}] if product and self.lot_id else []
            nc = NC._mes_open_from('exception', _('Exception %(ref)s escalated', ref=self.name),
                                   lines, exception_id=self.id,
                                   product_id=product.id or False,
                                   company_id=self.company_id.id,
                                   description=self.description)
        return {'type': 'ir.actions.act_window', 'res_model': 'mes.nonconformance',
                'res_id': nc.id, 'view_mode': 'form', 'views': [(False, 'form')]}
