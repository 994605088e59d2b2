from odoo import _, api, fields, models
from odoo.exceptions import UserError


class MesValidationRequirement(models.Model):
    """One requirement of a validation run: its tests, their results and its verdict."""
    _name = 'mes.validation.requirement'
    _description = 'Validation Run Requirement'
    _order = 'run_id, id'

    run_id = fields.Many2one('mes.validation.run', required=True, ondelete='cascade',
                             index=True, readonly=True)
    requirement = fields.Char(required=True, readonly=True)
    source = fields.Char(readonly=True)
    kind = fields.Char(readonly=True)
    title = fields.Text(string='Requirement Text', readonly=True)
    tests = fields.Text(readonly=True)
    results = fields.Text(readonly=True)
    verdict = fields.Char(readonly=True)
    procedure = fields.Text(readonly=True)
    gap = fields.Text(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not (self.env.su and self.env.context.get('mes_validation_import')):
            raise UserError(_('Validation runs are imported from the validation kit\'s folder.'))
        return super().create(vals_list)

    def write(self, vals):
        if not (self.env.su and self.env.context.get('mes_validation_import')):
            raise UserError(_('A validation run is kept as it was imported.'))
        return super().write(vals)

    def unlink(self):
        if self and not self.env.context.get('mes_validation_import'):
            raise UserError(_('A validation run is kept as it was imported.'))
        return super().unlink()
