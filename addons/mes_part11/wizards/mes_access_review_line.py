from odoo import fields, models


class MesAccessReviewLine(models.TransientModel):
    _name = 'mes.access.review.line'
    _description = 'Access Review Line'
    _order = 'login, role'

    review_id = fields.Many2one('mes.access.review', required=True, ondelete='cascade')
    user_id = fields.Many2one('res.users', readonly=True)
    login = fields.Char(readonly=True)
    group_id = fields.Many2one('res.groups', readonly=True)
    role = fields.Char(readonly=True)
    since = fields.Datetime(string='Since (UTC)', readonly=True)
    granted_by = fields.Char(readonly=True)
    source = fields.Selection([
        ('user_created', 'Given when the user was created'),
        ('user_changed', "Given on the user's form"),
        ('group_changed', "Given on the group's form"),
        ('before_trail', 'Before the audit trail (not recorded)'),
    ], string='Recorded as', readonly=True)
