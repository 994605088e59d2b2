from odoo import models


class ResGroups(models.Model):
    """Rights granted from the group's side (its users, the groups it implies) are audited as
    when they are granted on the user: the access review reads both."""
    _name = 'res.groups'
    _inherit = ['res.groups', 'mes.audited']
    _mes_audit_fields = ('user_ids', 'implied_ids')
    _mes_audit_no_delete = False
    _mes_audit_tab = False
