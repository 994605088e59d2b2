from odoo import fields, models


class MesValidationImport(models.TransientModel):
    """Upload the zipped folder of a validation kit run (make validate)."""
    _name = 'mes.validation.import'
    _description = 'Import a Validation Run'

    zip_file = fields.Binary(string='Validation Folder (zip)', required=True)
    zip_filename = fields.Char()

    def action_import(self):
        self.ensure_one()
        run = self.env['mes.validation.run'].mes_import_zip(self.zip_file)
        return {'type': 'ir.actions.act_window', 'res_model': 'mes.validation.run',
                'res_id': run.id, 'view_mode': 'form', 'views': [(False, 'form')]}
