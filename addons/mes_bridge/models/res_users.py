import logging
import re

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

PIN_PATTERN = re.compile(r'^\d{4,12}$')


class ResUsers(models.Model):
    _inherit = 'res.users'

    mes_badge = fields.Char(
        string='Badge', copy=False, groups='mes_bridge.group_mes_admin,base.group_system',
        help='What the operator\'s badge scans as, to sign in at a kiosk (with the PIN).')
    mes_kiosk_pin_hash = fields.Char(copy=False, groups='base.group_system', prefetch=False)
    mes_kiosk_pin_set = fields.Boolean(string='Kiosk PIN set', compute='_compute_mes_kiosk_pin')
    mes_kiosk_pin_failures = fields.Integer(string='Failed PIN Attempts', readonly=True,
                                            copy=False)
    mes_kiosk_pin_locked = fields.Boolean(
        string='Kiosk PIN Locked', readonly=True, copy=False,
        help='Locked after too many wrong PINs; an MES administrator unlocks it.')

    _mes_badge_unique = models.Constraint('UNIQUE (mes_badge)', 'A badge belongs to one user.')

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ['mes_kiosk_pin_set', 'mes_kiosk_pin_locked']

    def _compute_mes_kiosk_pin(self):
        for user in self:
            user.mes_kiosk_pin_set = bool(user.sudo().mes_kiosk_pin_hash)

    # -- PIN -------------------------------------------------------------------------------
    def mes_set_kiosk_pin(self, pin):
        """Set the kiosk PIN (4 to 12 digits) of this user: the user themself, or an MES
        administrator. Only its hash is kept (Odoo's password hashing); a new PIN lifts a
        lockout only when an administrator sets it."""
        self.ensure_one()
        admin = self.env.user.has_group('mes_bridge.group_mes_admin')
        if self != self.env.user and not admin:
            raise AccessError(_('Only an MES administrator sets another user\'s kiosk PIN.'))
        if self.mes_kiosk_pin_locked and not admin:
            raise AccessError(_('Your kiosk PIN is locked: an MES administrator sets a new '
                                'one.'))
        pin = str(pin or '').strip()
        if not PIN_PATTERN.match(pin):
            raise UserError(_('A kiosk PIN is 4 to 12 digits.'))
        if len(set(pin)) == 1 or pin in '0123456789012' or pin in '9876543210':
            raise UserError(_('Choose a PIN that is not one digit repeated or a run of digits.'))
        hashed = self._crypt_context().hash(pin)
        self.sudo().write({'mes_kiosk_pin_hash': hashed, 'mes_kiosk_pin_failures': 0,
                           'mes_kiosk_pin_locked': False})
        self._mes_kiosk_audit('mes_kiosk_pin_hash', None, _('Kiosk PIN set by %(user)s',
                                                          user=self.env.user.name))
        return True

    def _mes_check_kiosk_pin(self, pin):
        """Check this user's kiosk PIN; a wrong one is counted (in a transaction of its own,
        so that the count survives the refusal) and locks after the company's limit.

        :returns: (True, None) or (False, translated message)"""
        self.ensure_one()
        user = self.sudo()
        if user.mes_kiosk_pin_locked:
            return False, _('Your kiosk PIN is locked after repeated wrong entries. Ask an MES '
                            'administrator to unlock it.')
        if not user.mes_kiosk_pin_hash:
            return False, _('You have no kiosk PIN yet. Ask an MES administrator to set one.')
        valid = False
        try:
            valid = self._crypt_context().verify(str(pin or ''), user.mes_kiosk_pin_hash)
        except ValueError:
            valid = False
        if valid:
            if user.mes_kiosk_pin_failures:
                user.write({'mes_kiosk_pin_failures': 0})
            return True, None
        return False, self._mes_count_pin_failure()

    def _mes_count_pin_failure(self):
        limit = self.env.company.mes_sign_max_failures or 3
        failures = self.sudo().mes_kiosk_pin_failures + 1
        locked = failures >= limit
        try:
            with self.env.registry.cursor() as cr:
                user = self.with_env(self.env(cr=cr, su=True))
                user.write({'mes_kiosk_pin_failures': failures, 'mes_kiosk_pin_locked': locked})
                user._mes_kiosk_audit('mes_kiosk_pin_failures', str(failures), _('Wrong kiosk PIN'))
                if locked:
                    user._mes_kiosk_audit('mes_kiosk_pin_locked', 'True', _(
                        'Kiosk PIN locked after %(count)s wrong entries', count=failures))
                    user.env['mes.kiosk.session'].search(
                        [('user_id', '=', user.id), ('state', '=', 'active')])._mes_end('locked')
        except Exception:  # noqa: BLE001 (counting must never turn a refusal into a crash)
            _logger.exception('Could not count a wrong kiosk PIN of user %s', self.id)
        self.invalidate_recordset(['mes_kiosk_pin_failures', 'mes_kiosk_pin_locked'])
        if locked:
            return _('Wrong PIN. Your kiosk PIN is now locked after %(count)s wrong entries; an '
                     'MES administrator must unlock it.', count=failures)
        return _('Badge, login or PIN not recognised (%(count)s of %(limit)s attempts before '
                 'your PIN locks).', count=failures, limit=limit)

    def action_mes_unlock_kiosk_pin(self):
        if not self.env.user.has_group('mes_bridge.group_mes_admin'):
            raise AccessError(_('Only an MES administrator unlocks a kiosk PIN.'))
        for user in self.filtered('mes_kiosk_pin_locked'):
            user.sudo().write({'mes_kiosk_pin_locked': False, 'mes_kiosk_pin_failures': 0})
            user._mes_kiosk_audit('mes_kiosk_pin_locked', 'False', _(
                'Kiosk PIN unlocked by %(admin)s', admin=self.env.user.name))
        return True

    def _mes_kiosk_audit(self, field_name, value, reason):
        self.ensure_one()
        self.env['mes.audit.entry'].sudo()._mes_append([{
            'operation': 'write', 'res_model': 'res.users', 'res_id': self.id,
            'field_name': field_name, 'new_value': value, 'new_display': value,
            'company_id': self.env.company.id, 'reason': reason,
        }])
