from odoo import fields, models


class MesException(models.Model):
    _inherit = 'mes.exception'

    source = fields.Selection(selection_add=[('quality', 'Quality Inspection / SPC')],
                              ondelete={'quality': 'set default'})
    kind = fields.Selection(selection_add=[('inspection', 'Inspection rejected'),
                                           ('spc', 'SPC signal')],
                            ondelete={'inspection': 'set default', 'spc': 'set default'})
