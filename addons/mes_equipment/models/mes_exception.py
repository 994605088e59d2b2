from odoo import fields, models


class MesException(models.Model):
    """Exceptions this addon raises (equipment and process data), added to mes_bridge's."""
    _inherit = 'mes.exception'

    # Exceptions are never deleted: if this addon is uninstalled, its exceptions stay as
    # kind "Other" from source "Manual Entry", their description still saying what happened.
    source = fields.Selection(selection_add=[('process_data', 'Process Data')],
                              ondelete={'process_data': 'set default'})
    kind = fields.Selection(selection_add=[('equipment_unusable', 'Unusable equipment'),
                                           ('data_gap', 'Process data gap')],
                            ondelete={'equipment_unusable': 'set default',
                                      'data_gap': 'set default'})
