from odoo import _, api, fields, models
from odoo.exceptions import UserError


class MesSignWizard(models.TransientModel):
    """The signing dialog: login, password and reason, every time (Part 11.200).

    Opened from a form, a list (several records) or the kiosk; in ``unlock`` mode it
    unlocks a signed record for correction instead.
    """
    _name = 'mes.sign.wizard'
    _inherit = ['mes.signing.input']
    _description = 'Electronic Signature'

    res_model = fields.Char(required=True, readonly=True)
    res_ids = fields.Char(required=True, readonly=True)
    mode = fields.Selection([('sign', 'Sign'), ('unlock', 'Unlock for correction')],
                            default='sign', required=True, readonly=True)
    meaning_id = fields.Many2one('mes.signature.meaning')
    requires_reason = fields.Boolean(compute='_compute_record_names')
    record_names = fields.Text(string='Records', compute='_compute_record_names')
    reason = fields.Text(string='Reason / Comment')
    error = fields.Char(readonly=True)

    def _records(self):
        self.ensure_one()
        if (self.res_model not in self.env
                or 'mes_signature_ids' not in self.env[self.res_model]._fields):
            raise UserError(_('These records cannot be signed.'))
        ids = [int(i) for i in (self.res_ids or '').split(',') if i.strip()]
        return self.env[self.res_model].browse(ids).exists()

    @api.depends('res_model', 'res_ids', 'meaning_id', 'mode')
    def _compute_record_names(self):
        for wizard in self:
            records = wizard._records() if wizard.res_model else None
            wizard.record_names = '\n'.join(records.mapped('display_name')) if records else False
            lines = records[:1]._mes_signature_lines() if records else None
            line = lines.filtered(lambda l: l.meaning_id == wizard.meaning_id)[:1] if lines \
                else None
            wizard.requires_reason = wizard.mode == 'unlock' or bool(
                line and (line.requires_reason or line.meaning_id.requires_reason))

    def action_confirm(self):
        self.ensure_one()
        records = self._records()
        if not records:
            raise UserError(_('The records to sign no longer exist.'))
        login, password = self._mes_credentials()
        for record in records:
            if self.mode == 'unlock':
                outcome = record.mes_unlock_for_correction(self.reason, login, password)
                ok = outcome['unlocked']
            else:
                if not self.meaning_id:
                    raise UserError(_('Choose what the signature means.'))
                outcome = record.mes_sign(self.meaning_id.code, login, password, self.reason)
                ok = outcome['signed']
            if not ok:
                return reopen_with_error(self, _('Sign'), outcome['message'])
        return {'type': 'ir.actions.act_window_close'}


def reopen_with_error(wizard, name, message):
    """Keep a signing dialog open with the refusal; the failed attempt is already counted
    (and committed with this response); the password was never stored."""
    wizard.write({'error': message})
    return {
        'type': 'ir.actions.act_window',
        'name': name,
        'res_model': wizard._name,
        'res_id': wizard.id,
        'view_mode': 'form',
        'views': [(False, 'form')],
        'target': 'new',
    }
