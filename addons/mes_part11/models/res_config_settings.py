from odoo import _, fields, models
from odoo.exceptions import UserError

from .mes_audit_checkpoint import anchor_paths


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    mes_sign_max_failures = fields.Integer(
        related='company_id.mes_sign_max_failures', readonly=False)
    mes_idle_sign_out_minutes = fields.Integer(
        related='company_id.mes_idle_sign_out_minutes', readonly=False)
    # the audit trail's anchor: the public key is shown and exported; the private key and the
    # log are files on the server, named here so that administrators know what to protect
    mes_audit_key_id = fields.Many2one('mes.audit.key', string='Checkpoint Key',
                                       compute='_compute_mes_audit_anchor')
    mes_audit_key_epoch = fields.Integer(related='mes_audit_key_id.epoch')
    mes_audit_key_fingerprint = fields.Char(related='mes_audit_key_id.key_id')
    mes_audit_public_key = fields.Text(related='mes_audit_key_id.public_key')
    mes_audit_key_file = fields.Char(string='Signing Key File',
                                     compute='_compute_mes_audit_anchor')
    mes_audit_checkpoint_log = fields.Char(string='Checkpoint Log File',
                                           compute='_compute_mes_audit_anchor')

    def _compute_mes_audit_anchor(self):
        key_path, log_path = anchor_paths(self.env.cr.dbname)
        key = self.env['mes.audit.key']._mes_active()
        for settings in self:
            settings.mes_audit_key_id = key
            settings.mes_audit_key_file = key_path
            settings.mes_audit_checkpoint_log = log_path

    def action_mes_download_public_key(self):
        key = self.env['mes.audit.key']._mes_active()
        if not key:
            raise UserError(_('No checkpoint has been signed yet: the key is created with the '
                              'first checkpoint.'))
        return key.action_download_public_key()
