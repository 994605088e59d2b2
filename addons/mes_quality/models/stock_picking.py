from collections import defaultdict

from odoo import _, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = 'stock.picking'

    def _mes_receiving_plans(self):
        """{(product, company): approved receiving plan} of the tracked products received."""
        plans = {}
        Plan = self.env['mes.inspection.plan']
        for picking in self.filtered(lambda p: p.picking_type_code == 'incoming'):
            for move in picking.move_ids.filtered(lambda m: m.product_id.tracking != 'none'):
                key = (move.product_id, picking.company_id)
                if key not in plans:
                    plans[key] = Plan._mes_plan_for(move.product_id, 'receiving',
                                                    picking.company_id)
        return {key: plan for key, plan in plans.items() if plan}

    def _action_done(self):
        plans = self._mes_receiving_plans()
        # a discontinued inspection refuses the receipt before anything moves
        State = self.env['mes.sampling.state']
        for picking in self.filtered(lambda p: p.picking_type_code == 'incoming'):
            supplier = picking.partner_id.commercial_partner_id
            for move in picking.move_ids:
                plan = plans.get((move.product_id, picking.company_id))
                if plan:
                    State._mes_for(plan, move.product_id, supplier, picking.company_id) \
                        ._mes_check_not_discontinued()
        result = super()._action_done()
        if plans:
            self._mes_start_receiving_inspections(plans)
        # a return to the supplier shipped: that disposition is carried out
        self.env['mes.nonconformance.line'].sudo().search([
            ('return_picking_id', 'in', self.filtered(lambda p: p.state == 'done').ids)
        ])._mes_done_by_document()
        self._mes_issue_delivery_certificates()
        return result

    def _mes_issue_delivery_certificates(self):
        """Each validated delivery to a customer carries one certificate of conformance for
        its lots, attached to it."""
        Certificate = self.env['mes.certificate'].sudo()
        for picking in self.filtered(lambda p: p.state == 'done'
                                     and p.location_dest_id.usage == 'customer'):
            quantities = defaultdict(float)
            for line in picking.move_line_ids.filtered('lot_id'):
                quantities[line.lot_id] += line.product_uom_id._compute_quantity(
                    line.quantity, line.product_id.uom_id)
            if not quantities or Certificate.search_count([('picking_id', '=', picking.id)]):
                continue
            unreleased = [lot.name for lot in quantities if lot.mes_release_state != 'released']
            if unreleased:
                # only with the shipping gate off: nothing unreleased is certified
                picking.message_post(body=_('No certificate of conformance: lot(s) %(lots)s '
                                            'are not released.', lots=', '.join(unreleased)))
                continue
            try:
                with self.env.cr.savepoint():
                    Certificate._mes_issue(dict(quantities), picking=picking)
            except UserError as error:
                # the goods are gone either way: the missing certificate is said, not hidden
                picking.message_post(body=_('No certificate of conformance could be issued: '
                                            '%(why)s', why=error.args[0]))
                picking.activity_schedule(
                    'mail.mail_activity_data_todo', user_id=picking.user_id.id or self.env.uid,
                    summary=_('Issue the certificate of conformance of %(picking)s',
                              picking=picking.name))

    def mes_certificate_pdf(self):
        """The certificate of conformance of this delivery (JSON-2): ``{'name', 'pdf'}``
        with the PDF in base64."""
        self.ensure_one()
        self.check_access('read')
        certificate = self.env['mes.certificate'].sudo().search(
            [('picking_id', '=', self.id)], limit=1)
        if not certificate:
            raise UserError(_('%(picking)s has no certificate of conformance: it is issued '
                              'when a delivery of lots is validated.', picking=self.name))
        return {'name': certificate.name, 'pdf': certificate.pdf.decode()}

    def _mes_start_receiving_inspections(self, plans):
        """Each received lot of a product with a receiving plan waits in quarantine for its
        inspection (one per lot and receipt)."""
        received = defaultdict(float)
        for picking in self.filtered(lambda p: p.picking_type_code == 'incoming'
                                     and p.state == 'done'):
            for line in picking.move_line_ids.filtered('lot_id'):
                plan = plans.get((line.product_id, picking.company_id))
                if plan:
                    received[(plan, line.product_id, line.lot_id, picking)] += \
                        line.product_uom_id._compute_quantity(line.quantity,
                                                              line.product_id.uom_id)
        Inspection = self.env['mes.inspection']
        for (plan, product, lot, picking), qty in received.items():
            if lot.mes_release_state == 'released':  # a held or rejected lot stays so
                lot.sudo().with_context(mes_audit_reason=AuditReason(
                    _('Received on %(picking)s: waits for its receiving inspection',
                      picking=picking.name))).write({'mes_release_state': 'quarantine'})
            Inspection._mes_start(plan, product, lot, qty,
                                  partner_id=picking.partner_id.commercial_partner_id.id,
                                  picking_id=picking.id, company_id=picking.company_id.id)
