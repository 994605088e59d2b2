import logging
from datetime import timedelta

from odoo import api, fields, models

from .mes_kiosk_device import token_digest

_logger = logging.getLogger(__name__)

# the demo tablet's pairing code (README); only demo databases have it
DEMO_PAIRING_CODE = 'DEMOKIOSK2'


class MesDemo(models.AbstractModel):
    """Demo shop-floor history that XML cannot express: stock on hand, a draft v2 of
    the master record, and orders in several states executed through the same API
    the kiosk and JSON-2 clients use. Called from demo data only."""
    _name = 'mes.demo'
    _description = 'MES demo data loader'

    @api.model
    def _install_demo_language(self, code='zh_CN'):
        """The demo plant works in two languages: zh_CN is installed with the translations of
        every module installed so far (modules installed later load it themselves)."""
        lang = self.env['res.lang'].with_context(active_test=False).search([('code', '=', code)])
        self.env['base.language.install'].create({'lang_ids': [(6, 0, lang.ids)]}).lang_install()

    @api.model
    def _demo_kiosk(self):
        """Kiosk PINs of the demo operators (hashed like any PIN), and a pairing code for the
        demo tablet valid for a week (README): a real plant gets each code from the device's
        Pairing Code button."""
        ref = self.env.ref
        for xmlid, pin in (('user_operator', '2580'), ('user_supervisor', '1397')):
            user = ref('mes_bridge.%s' % xmlid)
            user.with_user(user).mes_set_kiosk_pin(pin)
        device = ref('mes_bridge.kiosk_device_line1')
        device.sudo().write({'pairing_digest': token_digest(DEMO_PAIRING_CODE),
                             'pairing_expiry': fields.Datetime.now() + timedelta(days=7)})

    @api.model
    def _load_demo(self):
        ref = self.env.ref
        stock = self.env['stock.warehouse'].search(
            [('company_id', '=', self.env.company.id)], limit=1).lot_stock_id
        Quant = self.env['stock.quant']
        for lot_xmlid, qty in [
            ('lot_resin_ok', 60), ('lot_resin_hold', 40), ('lot_plunger_ok', 2000),
            ('lot_stopper_ok', 2000), ('lot_stopper_quarantine', 1000), ('lot_needle_ok', 2000),
            ('lot_needle_expired', 500), ('lot_blister_ok', 2000),
        ]:
            lot = ref('mes_bridge.%s' % lot_xmlid)
            Quant._update_available_quantity(lot.product_id, stock, qty, lot_id=lot)

        bom = ref('mes_bridge.bom_syringe_5ml')
        operator = ref('mes_bridge.user_operator')
        supervisor = ref('mes_bridge.user_supervisor')
        qa = ref('mes_bridge.user_qa_manager')
        # v1 approved by QA with an electronic signature, as in real use
        outcome = bom.with_user(qa).mes_sign('approved', qa.login, qa.login,
                                             'Design transfer complete')
        assert outcome['signed'], outcome['message']
        # v2 under review: tighter glide force, not yet approved
        v2 = self.env['mrp.bom'].browse(bom.action_mes_new_version()['res_id'])
        v2.operation_ids.mes_step_ids.filtered(
            lambda s: s.name.startswith('Plunger glide force')).write({'upper_limit': 9.5})

        def production(qty=100):
            mo = self.env['mrp.production'].create({
                'product_id': bom.product_tmpl_id.product_variant_id.id,
                'product_qty': qty, 'bom_id': bom.id, 'user_id': supervisor.id})
            mo.action_confirm()
            return mo

        # 1. planned, waiting for release
        production()
        # 2. released, not started
        production().with_user(supervisor).action_mes_release()
        # 3. in progress: moulding done with a critical deviation waiting for disposition,
        #    and an expired needle lot refused at assembly
        in_progress = production()
        in_progress.with_user(supervisor).action_mes_release()
        values = {'Barrel melt temperature (°C)': '243.2'}
        self._run_workorder(in_progress.workorder_ids.sorted('sequence')[0], operator, values)
        assembly = in_progress.workorder_ids.sorted('sequence')[1]
        assembly.with_user(operator).button_start()
        steps = assembly.mes_step_execution_ids.sorted('sequence')
        steps[0].with_user(operator).mes_record(code='PLR-2411-002')
        steps[1].with_user(operator).mes_record(code='STP-2410-020')
        steps[2].with_user(operator).mes_record(code='NDL-2305-004')  # expired: refused
        # 4. done: complete, clean record, finished lot in quarantine awaiting QA release
        done = production()
        done.with_user(supervisor).action_mes_release()
        for workorder in done.workorder_ids.sorted('sequence'):
            self._run_workorder(workorder, operator, {})
            workorder.with_user(operator).button_finish()
        done.action_generate_serial()
        done.button_mark_done()
        return True

    def _run_workorder(self, workorder, operator, values):
        """Record every step of a work order with in-spec values unless given."""
        workorder.with_user(operator).button_start()
        lots = {
            'bom_line_resin': 'RES-2411-001', 'bom_line_plunger': 'PLR-2411-002',
            'bom_line_stopper': 'STP-2410-020', 'bom_line_needle': 'NDL-2408-011',
            'bom_line_blister': 'BLS-2410-015',
        }
        codes = {self.env.ref('mes_bridge.%s' % k).id: v for k, v in lots.items()}
        for step in workorder.mes_step_execution_ids.sorted('sequence'):
            step = step.with_user(operator)
            if step.step_type == 'measurement':
                value = values.get(step.name) or ('%.*f' % (step.decimals, step.target))
                step.mes_record(value=value)
            elif step.step_type == 'material':
                step.mes_record(code=codes[step.bom_line_id.id])
            elif step.step_type == 'equipment':
                step.mes_record(code=step.expected_equipment)
            elif step.step_type == 'check':
                step.mes_record(passed=True)
            elif step.step_type == 'signature' and step.signature_meaning == 'performed':
                step.mes_record(login=operator.login, password=operator.login)
            elif step.step_type == 'signature':
                # verification is a second person's signature (segregation of duties)
                supervisor = self.env.ref('mes_bridge.user_supervisor')
                step.with_user(supervisor).mes_record(login=supervisor.login,
                                                      password=supervisor.login)
            else:
                step.mes_record()
