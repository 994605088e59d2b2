from odoo import fields, models


class MesException(models.Model):
    """Exceptions this addon raises (equipment and process data), added to mes_bridge's."""
    _inherit = 'mes.exception'

    source = fields.Selection(selection_add=[('process_data', 'Process Data')],
                              ondelete={'process_data': 'cascade'})
    kind = fields.Selection(selection_add=[('equipment_unusable', 'Unusable equipment'),
                                           ('data_gap', 'Process data gap')],
                            ondelete={'equipment_unusable': 'cascade', 'data_gap': 'cascade'})
