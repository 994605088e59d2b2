from odoo import fields, models


class MesStepExecution(models.Model):
    _inherit = 'mes.step.execution'

    def mes_record(self, value=None, passed=None, code=None, login=None, password=None,
                   comment=None, unit=None):
        outcome = super().mes_record(value=value, passed=passed, code=code, login=login,
                                     password=password, comment=comment, unit=unit)
        if outcome.get('accepted') and self.state == 'done':
            self._mes_feed_spc()
        return outcome

    def _mes_feed_spc(self):
        """A measurement step tied to an SPC characteristic adds its value to that chart."""
        self.ensure_one()
        characteristic = self.operation_step_id.spc_characteristic_id
        if self.step_type != 'measurement' or not characteristic:
            return
        workorder = self.workorder_id
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
        })
        characteristic.sudo()._mes_spc_check(measurement)
