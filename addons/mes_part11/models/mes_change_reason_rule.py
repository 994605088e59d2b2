from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError


class MesChangeReasonRule(models.Model):
    """Which changes of GxP data need a reason (Annex 11 section 9, its 2025 draft section
    12): a change of a covered field of an audited model is refused without one, whoever
    makes it (form, import, JSON-2); the web client asks for it when the user saves. The
    reason is sealed into the change's audit entry."""
    _name = 'mes.change.reason.rule'
    _inherit = ['mes.audited']
    _description = 'Change Reason Rule'
    _order = 'model_id, id'
    _mes_audit_fields = ('name', 'model_id', 'field_ids', 'on_delete', 'company_id', 'active')
    _mes_audit_no_delete = False

    name = fields.Char(required=True, translate=True)
    model_id = fields.Many2one('ir.model', string='Record Type', required=True,
                               ondelete='cascade', domain=[('transient', '=', False)])
    model_name = fields.Char(related='model_id.model', string='Model', store=True)
    field_ids = fields.Many2many(
        'ir.model.fields', string='Fields',
        domain="[('model_id', '=', model_id), ('readonly', '=', False)]",
        help='The audited fields whose change needs a reason; none: every audited field a '
             'user can edit.')
    on_delete = fields.Boolean(string='Also on Deletion',
                               help='Deleting a record of this type needs a reason too.')
    company_id = fields.Many2one('res.company',
                                 help='Only for records of this company; empty: all companies.')
    active = fields.Boolean(default=True)

    @api.constrains('model_id', 'field_ids')
    def _check_audited(self):
        for rule in self:
            Model = self.env.get(rule.model_id.model)
            audited = getattr(Model, '_mes_audit_fields', ()) if Model is not None else ()
            if not audited:
                raise ValidationError(_('%(model)s has no audit trail: a reason could not be '
                                        'kept with its changes.', model=rule.model_id.name))
            others = rule.field_ids.filtered(lambda f, a=audited: f.name not in a)
            if others:
                raise ValidationError(_('Only audited fields can need a reason (the reason is '
                                        'kept in their audit entry); not: %(fields)s.',
                                        fields=', '.join(others.mapped('field_description'))))

    # the rules are read on every audited change: cached, cleared when a rule changes
    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self.env.registry.clear_cache()
        return rules

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    @api.model
    @tools.ormcache('model_name')
    def _mes_rules_of(self, model_name):
        """((company id or None, covered field names or None for all, on deletion), ...)"""
        rules = self.sudo().with_context(active_test=True).search(
            [('model_name', '=', model_name)])
        return tuple((rule.company_id.id or None,
                      tuple(rule.field_ids.mapped('name')) or None, rule.on_delete)
                     for rule in rules)

    @api.model
    def _mes_covered(self, model_name, company_id, fnames, operation='write',
                     any_company=False):
        """The fields among ``fnames`` whose change needs a reason for a record of
        ``company_id`` (for a deletion: all of them, when a rule says so)."""
        Model = self.env[model_name]
        editable = [f for f in fnames if not Model._fields[f].readonly]
        covered = set()
        for rule_company, rule_fields, on_delete in self._mes_rules_of(model_name):
            if rule_company and rule_company != company_id and not any_company:
                continue
            if operation == 'unlink':
                if on_delete:
                    return list(fnames) or ['id']
                continue
            covered.update(f for f in editable if rule_fields is None or f in rule_fields)
        return [f for f in fnames if f in covered]

    @api.model
    def _mes_client_rules(self):
        """For the web client (session info): per model, the fields whose change needs a
        reason ('*' for every audited editable field) in the user's companies."""
        companies = set(self.env.user.company_ids.ids)
        result = {}
        for rule in self.sudo().search([]):
            if rule.company_id and rule.company_id.id not in companies:
                continue
            Model = self.env.get(rule.model_name)
            if Model is None:
                continue
            names = rule.field_ids.mapped('name') or [
                f for f in Model._mes_audit_fields if not Model._fields[f].readonly]
            result.setdefault(rule.model_name, set()).update(names)
        return {model: sorted(names) for model, names in result.items()}
