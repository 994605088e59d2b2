import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.http import request

_logger = logging.getLogger(__name__)

# Our own code's key to the "must change password" flag: a Python object, which no JSON-2 or
# RPC caller can put in a context, so that nobody sets or clears the flag by hand
_PASSWORD_POLICY = object()


class ResUsers(models.Model):
    # who may do what is part of the validated state (Annex 11 section 12, Part 11.10(d)/(g)):
    # a user's login, name, status, companies and rights are audited, whoever changes them
    _name = 'res.users'
    _inherit = ['res.users', 'mes.audited']
    _mes_audit_fields = ('login', 'name', 'active', 'group_ids', 'company_ids',
                         'mes_password_change_required')
    _mes_audit_no_delete = False
    _mes_audit_tab = False

    mes_sign_failures = fields.Integer(
        string='Failed Signing Attempts', readonly=True, copy=False,
        help='Consecutive failed signing attempts; reset by a successful signature.')
    mes_sign_locked = fields.Boolean(
        string='Signing Locked', readonly=True, copy=False,
        help='Locked after too many failed signing attempts; an Electronic Records Administrator unlocks it.')

    mes_password_change_required = fields.Boolean(
        string='Must Change Password', readonly=True, copy=False,
        help='Set when someone other than the user set their password (an administrator\'s '
             'reset): the user must choose a new one at their next sign-in, and cannot sign '
             'electronically with the password someone else knows until then.')

    # -- a password someone else set must be changed (Part 11.300(b), Annex 11 section 12) --
    def write(self, vals):
        if 'mes_password_change_required' in vals and \
                self.env.context.get('mes_password_policy') is not _PASSWORD_POLICY:
            raise UserError(_('"Must Change Password" is set by a password reset and cleared '
                              'by the user choosing a new password; it cannot be set by hand.'))
        if vals.get('login'):
            self._mes_check_login_kept(vals['login'])
        result = super().write(vals)
        if vals.get('password'):
            self._mes_password_set()
        return result

    def _mes_check_login_kept(self, login):
        """Part 11.100(a): a signature is never reassigned. The login is who signed: an
        account that has signed keeps it (its name may change, the printed name on each
        signature is frozen); for someone else, a new account."""
        renamed = self.filtered(lambda u: (u.login or '').lower() != login.strip().lower())
        if renamed and self.env['mes.signature'].sudo().search_count(
                [('signer_id', 'in', renamed.ids)], limit=1):
            raise UserError(_('%(user)s has signed electronic records: their login cannot '
                              'change, so that no one else can ever sign under it. Archive the '
                              'account and create a new one for another person.',
                              user=', '.join(renamed.mapped('name'))))

    def _mes_password_set(self):
        """Whoever set these users' password: the user themselves clears the flag, anyone
        else (an administrator, a script, the superuser) sets it. The public user is the
        emailed reset link (auth_signup), which the user follows themselves."""
        actor = self.env.user
        own = self.filtered(lambda u: u == actor or actor._is_public())
        for users, required in ((own, False), (self - own, True)):
            users = users.filtered(lambda u, r=required: u.mes_password_change_required != r)
            if users:
                users.sudo().with_context(mes_password_policy=_PASSWORD_POLICY).write(
                    {'mes_password_change_required': required})

    def action_mes_require_password_change(self):
        """Force a password change at next sign-in without setting a password."""
        if not self.env.user.has_group('base.group_erp_manager'):
            raise AccessError(_('Only an administrator can require a password change.'))
        self.sudo().with_context(mes_password_policy=_PASSWORD_POLICY).write(
            {'mes_password_change_required': True})
        return True

    @api.model
    def _mes_reauthenticate(self, login, password):
        """Check that the current user re-entered *both* their login and password, or raise.

        Prefer ``_mes_check_signing_credentials`` for signing: it counts failures and locks.
        """
        ok, message = self._mes_check_signing_credentials(login, password)
        if not ok:
            raise UserError(message)
        return self.env.user

    @api.model
    def _mes_check_signing_credentials(self, login, password):
        """Authenticate a signing act with both components (Part 11.200(a)(1)).

        Odoo's identity-check cache is deliberately not used: every signature asks again.
        Failures are counted on the user and audited; after the company's limit the user
        can no longer sign until an Electronic Records Administrator unlocks them. Nothing is raised, so the
        count survives: the caller returns the message.

        :returns: (True, None) or (False, translated message)
        """
        user = self.env.user
        if user.mes_password_change_required:
            # the password was set by someone else, who could sign with it
            return False, _('Your password was set by an administrator: choose a new one '
                            '(sign in again) before you sign electronically.')
        if user.mes_sign_locked:
            user._mes_signing_audit('sign_failed', _('Attempt while signing is locked'))
            return False, _('Your electronic signature is locked after repeated failed '
                            'attempts. Ask an Electronic Records Administrator to unlock it.')
        if not login or not password:
            return False, _('Enter your login and password to sign.')
        valid = login.strip().lower() == (user.login or '').lower()
        if valid:
            try:
                # Odoo's own check, past this class's override: this failure is counted below
                super(ResUsers, self.with_user(user))._check_credentials(
                    {'type': 'password', 'login': user.login, 'password': password},
                    {'interactive': True})
            except AccessDenied:
                valid = False
        if valid:
            if user.mes_sign_failures:
                user.sudo().write({'mes_sign_failures': 0})
            return True, None
        return False, user._mes_register_signing_failure(login)

    # -- the sign-in log ---------------------------------------------------------------
    def _login(self, credential, user_agent_env):
        login = credential.get('login')
        try:
            auth_info = super()._login(credential, user_agent_env)
        except AccessDenied:
            self.env['mes.access.log']._mes_record_apart('login_failed', login, request)
            raise
        if self.browse(auth_info.get('uid')).sudo().mes_sign_locked:
            # locked after repeated failures (Annex 11 2025 draft section 11): until an
            # Electronic Records Administrator unlocks, the right password opens nothing
            self.env['mes.access.log']._mes_record_apart('login_failed', login, request)
            raise AccessDenied(_('This account is locked after repeated failed attempts; an '
                                 'Electronic Records Administrator must unlock it.'))
        self.env['mes.access.log']._mes_record('login', login, auth_info.get('uid'), request)
        # a new sign-in starts its idle time afresh (a session can outlive a sign-out)
        self.env['ir.http']._mes_touch_activity()
        return auth_info

    # -- every password check counts (Part 11.300(d)) -----------------------------------
    def _check_credentials(self, credential, env):
        """A wrong password anywhere (login, password change, identity check) counts towards
        the signing lockout: otherwise those would answer the guesses signing refuses."""
        try:
            return super()._check_credentials(credential, env)
        except AccessDenied:
            if credential.get('type') == 'password' and self.env.user:
                self.env.user._mes_count_password_failure()
            raise

    def _mes_count_password_failure(self):
        """Count a failed password in its own transaction: the caller's is rolled back by
        the AccessDenied that follows, the count must survive it."""
        self.ensure_one()
        try:
            with self.env.registry.cursor() as cr:
                # as the user whose password failed (su: they may not write their counter)
                user = self.with_env(self.env(cr=cr, user=self.id, su=True)).with_context(
                    allowed_company_ids=self.company_id.ids)
                user._mes_register_signing_failure(user.login)
        except Exception:  # noqa: BLE001 (counting must never turn a refusal into a crash)
            _logger.exception('Could not count a failed password of user %s', self.id)

    @api.model
    def change_password(self, old_passwd, new_passwd):
        if self.env.user.mes_sign_locked:
            # locked: no password is checked at all, right or wrong (no oracle)
            raise AccessDenied(_('Your electronic signature is locked after repeated failed '
                                 'attempts: your password cannot be changed until an Electronic Records '
                                 'Administrator unlocks it.'))
        return super().change_password(old_passwd, new_passwd)

    def _mes_register_signing_failure(self, login):
        self.ensure_one()
        limit = self.env.company.mes_sign_max_failures or 3
        failures = self.mes_sign_failures + 1
        locked = failures >= limit
        self.sudo().write({'mes_sign_failures': failures, 'mes_sign_locked': locked})
        if login.strip().lower() != (self.login or '').lower():
            what = _('Login entered does not belong to the signed-in user')
        else:
            what = _('Wrong password')
        self._mes_signing_audit('sign_failed', what, failures)
        if locked:
            self._mes_signing_audit('sign_locked', _('Signing locked after %(count)s failed '
                                                     'attempts', count=failures), failures)
            self._mes_notify_admins_locked()
            return _('Wrong login or password. Your electronic signature is now locked after '
                     '%(count)s failed attempts; an Electronic Records Administrator must unlock it.',
                     count=failures)
        return _('Wrong login or password: nothing was signed (%(count)s of %(limit)s attempts '
                 'before your signature is locked).', count=failures, limit=limit)

    def _mes_signing_audit(self, operation, reason, failures=None):
        self.ensure_one()
        self.env['mes.audit.entry']._mes_append([{
            'operation': operation,
            'res_model': 'res.users',
            'res_id': self.id,
            'field_name': 'mes_sign_failures' if failures is not None else 'mes_sign_locked',
            'new_value': str(failures) if failures is not None else None,
            'new_display': str(failures) if failures is not None else None,
            'company_id': self.env.company.id,
            'reason': reason,
        }])

    def _mes_notify_admins_locked(self):
        group = self.env.ref('mes_part11.group_part11_manager', raise_if_not_found=False)
        admins = group.sudo().all_user_ids.filtered(lambda u: u.active and not u.share) if group \
            else self.browse()
        for admin in admins:
            # res.users carries no activities; its partner does
            self.partner_id.sudo().activity_schedule(
                'mes_part11.mail_activity_signing_locked', user_id=admin.id,
                summary=_('Electronic signature of %(user)s locked', user=self.name),
                note=_('%(user)s failed to sign too many times. Check with them, then use '
                       '"Unlock Signing" on their user.', user=self.name))

    def action_mes_unlock_signing(self):
        if not self.env.user.has_group('mes_part11.group_part11_manager'):
            raise AccessError(_('Only an Electronic Records Administrator can unlock electronic signatures.'))
        for user in self.filtered('mes_sign_locked'):
            user.sudo().write({'mes_sign_locked': False, 'mes_sign_failures': 0})
            user._mes_signing_audit('sign_unlocked', _('Unlocked by %(admin)s',
                                                       admin=self.env.user.name))
            locked_type = self.env.ref('mes_part11.mail_activity_signing_locked')
            user.partner_id.sudo().activity_ids.filtered(
                lambda a, t=locked_type: a.activity_type_id == t).action_feedback(
                feedback=_('Signing unlocked'))
        return True

    def _mes_audit_declared(self, names):
        declared = super()._mes_audit_declared(names)
        # the rights change through the user type too (Odoo's computed "role")
        if 'role' in names and 'group_ids' not in declared:
            declared.append('group_ids')
        return declared
