from odoo import api, models


class MesMasterRecordPart(models.AbstractModel):
    """A part of a master record (BoM line, by-product, operation): audited, and locked with
    its bill of materials once that is approved, whoever creates, edits or deletes it.

    ``_mes_part_unlocked_fields`` lists what Odoo itself still maintains on an approved one."""
    _name = 'mes.master.record.part'
    _inherit = ['mes.audited']
    _description = 'Part of a master record'
    _mes_audit_no_delete = False  # a draft's parts may be removed (audited)
    _mes_part_unlocked_fields = frozenset()

    @api.model_create_multi
    def create(self, vals_list):
        self.env['mrp.bom']._mes_check_editable_ids(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - self._mes_part_unlocked_fields:
            self.bom_id._mes_check_editable()
        if vals.get('bom_id'):
            self.env['mrp.bom'].browse(vals['bom_id'])._mes_check_editable()
        return super().write(vals)

    def unlink(self):
        self.bom_id._mes_check_editable()
        return super().unlink()
