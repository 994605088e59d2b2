from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import gs1


class MesStepExecution(models.Model):
    _inherit = 'mes.step.execution'

    step_type = fields.Selection(selection_add=[('inspection', 'Inspection'),
                                                ('label', 'Label verification')],
                                 ondelete={'inspection': 'cascade', 'label': 'cascade'})
    inspection_id = fields.Many2one('mes.inspection', readonly=True, copy=False)

    def mes_record(self, value=None, passed=None, code=None, login=None, password=None,
                   comment=None, unit=None):
        outcome = super().mes_record(value=value, passed=passed, code=code, login=login,
                                     password=password, comment=comment, unit=unit)
        if outcome.get('accepted') and self.state == 'done':
            self._mes_feed_spc()
        if self.step_type == 'inspection':
            outcome['inspection_id'] = self.inspection_id.id or False
        return outcome

    def _mes_record_inspection(self, **kw):
        """An in-process inspection step: the first call starts the inspection of the order's
        lot against the approved plan; the step is done once that inspection is decided (its
        decision is the step's result, its results part of the step record)."""
        inspection = self.inspection_id
        if not inspection:
            plan_ref = self.operation_step_id.inspection_plan_id
            if not plan_ref:
                raise UserError(_('Step "%(step)s" names no inspection plan any more: it cannot '
                                  'be executed.', step=self.name))
            root = plan_ref.root_plan_id or plan_ref
            plan = self.env['mes.inspection.plan'].sudo().search([
                '|', ('id', '=', root.id), ('root_plan_id', '=', root.id),
                ('approval_state', '=', 'approved')], limit=1)
            if not plan:
                raise UserError(_('Step "%(step)s": inspection plan %(plan)s has no approved '
                                  'version.', step=self.name, plan=plan_ref.display_name))
            production = self.production_id
            inspection = self.env['mes.inspection']._mes_start(
                plan, production.product_id, production.lot_producing_ids[:1],
                production.product_qty, production_id=production.id,
                step_execution_id=self.id, company_id=self.company_id.id)
            self.sudo().with_context(mes_recording=True).write({'inspection_id': inspection.id})
        if inspection.state != 'decided':
            return {'accepted': False, 'message': _(
                'Inspection %(name)s is open: record its %(count)s sample result(s) and decide '
                'it, then complete this step.', name=inspection.name,
                count=inspection.samples_missing)}
        # a rejection already raised its blocking exception and holds the lot
        return {'result': 'pass' if inspection.decision == 'accept' else 'fail'}

    def _mes_record_label(self, code=None, **kw):
        """Labelling inspection: the printed label is scanned and must carry the UDI of this
        order (GTIN of the product, its lot or serial, expiry), else an exception."""
        code = code or ''
        if not code.strip():
            raise UserError(_('Scan the printed label for step "%(step)s".', step=self.name))
        production = self.production_id
        lot = production.lot_producing_ids[:1]
        if not lot:
            raise UserError(_('%(mo)s has no lot or serial yet: set it before labelling.',
                              mo=production.name))
        expected = self.env['mes.certificate']._mes_udi(lot)
        if not expected:
            raise UserError(_('%(product)s has no GTIN: its UDI label cannot be verified.',
                              product=production.product_id.display_name))
        try:
            matches, why = gs1.udi_matches(code, expected)
        except ValueError as error:
            matches, why = False, str(error)
        if not matches:
            message = _('The label scanned does not carry the UDI of %(mo)s (%(expected)s): '
                        '%(why)s', mo=production.name, expected=expected.hri, why=why)
            exception = self._mes_raise_exception('label_mismatch', message,
                                                  scanned_code=code[:200])
            return {'accepted': False, 'exception': exception, 'message': message}
        return {'result': 'pass', 'lot_id': lot.id, 'scanned_code': expected.hri}

    def _mes_feed_spc(self):
        """A measurement step tied to an SPC characteristic adds its value to that chart."""
        self.ensure_one()
        characteristic = self.operation_step_id.spc_characteristic_id
        if self.step_type != 'measurement' or not characteristic:
            return
        workorder = self.workorder_id
        # the equipment confirmed on this work order (its equipment step), if any
        equipment = workorder.mes_step_execution_ids.filtered(
            lambda s: s.step_type == 'equipment' and s.state == 'done').sorted('date_done')[-1:]
        measurement = self.env['mes.spc.measurement'].sudo().create({
            'characteristic_key': characteristic.spc_key,
            'characteristic_id': characteristic.id,
            'company_id': self.company_id.id,
            'value': self.value, 'measured_at': self.date_done or fields.Datetime.now(),
            'lot_id': workorder.production_id.lot_producing_ids[:1].id or False,
            'production_id': workorder.production_id.id,
            'workcenter_id': workorder.workcenter_id.id,
            'operator_id': self.operator_id.id or self.env.uid,
            'step_execution_id': self.id,
            'equipment_code': equipment.equipment_code or False,
        })
        characteristic.sudo()._mes_spc_check(measurement)

    # -- kiosk -----------------------------------------------------------------------------
    def _mes_kiosk_step(self):
        data = super()._mes_kiosk_step()
        if self.step_type == 'inspection':
            inspection = self.inspection_id
            data.update(offline=False, inspection={
                'name': inspection.name or False, 'state': inspection.state or False,
                'samples_missing': inspection.samples_missing if inspection else False,
                'decision': inspection.decision or False})
        if self.step_type == 'label':
            # the UDI of the order is the server's to compare
            data['offline'] = False
        return data
