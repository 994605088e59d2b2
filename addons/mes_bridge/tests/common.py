import base64
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user

PASSWORDS = {
    'operator': 'operator-Secret-2026',
    'supervisor': 'supervisor-Secret-2026',
    'inspector': 'inspector-Secret-2026',
    'qa_manager': 'qa-manager-Secret-2026',
    'planner': 'planner-Secret-2026',
}


def reachable(menu, user):
    """A menu shows when it and every menu above it are visible to the user."""
    visible = menu.env['ir.ui.menu'].with_user(user)._visible_menu_ids()
    while menu:
        if menu.id not in visible:
            return False
        menu = menu.parent_id
    return True


def instruction_pdf(text='Wear gloves.'):
    """A one-page PDF showing ``text``, base64 (what a work-instruction upload is)."""
    content = b'BT /F1 24 Tf 72 720 Td (%s) Tj ET' % text.encode('latin-1')
    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R '
        b'/Resources << /Font << /F1 5 0 R >> >> >>',
        b'<< /Length %d >>\nstream\n%s\nendstream' % (len(content), content),
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ]
    pdf = b'%PDF-1.4\n'
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b'%d 0 obj\n%s\nendobj\n' % (number, body)
    xref = len(pdf)
    pdf += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
    pdf += b''.join(b'%010d 00000 n \n' % offset for offset in offsets)
    pdf += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (
        len(objects) + 1, xref)
    return base64.b64encode(pdf)


class MesCase(TransactionCase):
    """A small syringe line: two operations with every kind of step."""

    # the moulding work instruction's document (a PDF, base64), where a case needs one
    instruction_document = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.company.mes_release_required = True
        cls.operator = new_test_user(env, 'mes_operator', groups='mes_bridge.group_mes_operator',
                                     password=PASSWORDS['operator'], name='Olga Operator')
        cls.supervisor = new_test_user(env, 'mes_supervisor',
                                       groups='mes_bridge.group_mes_supervisor',
                                       password=PASSWORDS['supervisor'], name='Sam Supervisor')
        cls.inspector = new_test_user(env, 'mes_inspector',
                                      groups='mes_bridge.group_mes_quality_inspector',
                                      password=PASSWORDS['inspector'], name='Ines Inspector')
        cls.qa_manager = new_test_user(env, 'mes_qa_manager',
                                       groups='mes_bridge.group_mes_quality_manager',
                                       password=PASSWORDS['qa_manager'], name='Quentin QA')
        cls.planner = new_test_user(env, 'mes_planner', groups='mrp.group_mrp_manager',
                                    password=PASSWORDS['planner'], name='Paula Planner')
        cls.stock_location = env.ref('stock.stock_location_stock')
        cls.uom_unit = env.ref('uom.product_uom_unit')
        cls.uom_kg = env.ref('uom.product_uom_kgm')

        def product(name, tracking='lot', **kw):
            vals = {'name': name, 'is_storable': True, 'tracking': tracking}
            vals.update(kw)
            return env['product.product'].create(vals)

        cls.syringe = product('Syringe 5 mL (test)', tracking='none')
        cls.resin = product('PP Resin (test)', uom_id=cls.uom_kg.id, barcode='5901234123457')
        cls.stopper = product('Rubber Stopper (test)', mes_lot_release_state='quarantine')
        cls.needle = product('Needle 23G (test)', use_expiration_date=True)
        cls.label = product('Blister Label (test)', tracking='none', barcode='LBL-001')

        cls.wc_molding = env['mrp.workcenter'].create({'name': 'Moulding (test)'})
        cls.wc_assembly = env['mrp.workcenter'].create({'name': 'Assembly (test)'})

        cls.bom = env['mrp.bom'].create({
            'product_tmpl_id': cls.syringe.product_tmpl_id.id,
            'product_qty': 10,
            'code': 'SYR5',
            'bom_line_ids': [
                Command.create({'product_id': cls.resin.id, 'product_qty': 0.5,
                                'product_uom_id': cls.uom_kg.id}),
                Command.create({'product_id': cls.stopper.id, 'product_qty': 10}),
                Command.create({'product_id': cls.needle.id, 'product_qty': 10}),
                Command.create({'product_id': cls.label.id, 'product_qty': 10}),
            ],
            'operation_ids': [
                Command.create({'name': 'Moulding', 'workcenter_id': cls.wc_molding.id,
                                'sequence': 10, 'time_cycle_manual': 10}),
                Command.create({'name': 'Assembly', 'workcenter_id': cls.wc_assembly.id,
                                'sequence': 20, 'time_cycle_manual': 10}),
            ],
        })
        cls.op_molding, cls.op_assembly = cls.bom.operation_ids.sorted('sequence')
        lines = {line.product_id: line for line in cls.bom.bom_line_ids}
        Step = env['mes.operation.step']
        Step.create([
            {'operation_id': cls.op_molding.id, 'sequence': 1, 'name': 'Read the work instruction',
             'step_type': 'instruction', 'instructions': '<p>Wear gloves.</p>',
             'instruction_pdf': cls.instruction_document,
             'instruction_pdf_name': cls.instruction_document and 'WI-MOULD-01.pdf'},
            {'operation_id': cls.op_molding.id, 'sequence': 2, 'name': 'Scan resin lot',
             'step_type': 'material', 'bom_line_id': lines[cls.resin].id},
            {'operation_id': cls.op_molding.id, 'sequence': 3, 'name': 'Barrel temperature',
             'step_type': 'measurement', 'limit_kind': 'range', 'target': 230,
             'lower_limit': 220, 'upper_limit': 240, 'decimals': 1, 'criticality': 'critical'},
            {'operation_id': cls.op_molding.id, 'sequence': 4, 'name': 'Confirm mould',
             'step_type': 'equipment', 'expected_equipment': 'MOULD-07'},
            {'operation_id': cls.op_assembly.id, 'sequence': 1, 'name': 'Scan stopper lot',
             'step_type': 'material', 'bom_line_id': lines[cls.stopper].id},
            {'operation_id': cls.op_assembly.id, 'sequence': 2, 'name': 'Scan needle lot',
             'step_type': 'material', 'bom_line_id': lines[cls.needle].id},
            {'operation_id': cls.op_assembly.id, 'sequence': 3, 'name': 'Scan label',
             'step_type': 'material', 'bom_line_id': lines[cls.label].id},
            {'operation_id': cls.op_assembly.id, 'sequence': 4, 'name': 'Plunger glide force',
             'step_type': 'measurement', 'limit_kind': 'max', 'upper_limit': 10, 'decimals': 2,
             'criticality': 'major'},
            {'operation_id': cls.op_assembly.id, 'sequence': 5, 'name': 'Visual inspection',
             'step_type': 'check', 'criticality': 'major'},
            {'operation_id': cls.op_assembly.id, 'sequence': 6, 'name': 'Line clearance',
             'step_type': 'signature', 'signature_meaning': 'performed'},
        ])

        def lot(product, name, state='released', **kw):
            vals = {'product_id': product.id, 'name': name, 'mes_release_state': state}
            vals.update(kw)
            return env['stock.lot'].create(vals)

        now = fields.Datetime.now()
        cls.resin_lot = lot(cls.resin, 'RES-001')
        cls.stopper_lot = lot(cls.stopper, 'STP-001')
        cls.stopper_lot_quarantine = lot(cls.stopper, 'STP-002', 'quarantine')
        cls.needle_lot = lot(cls.needle, 'NDL-001', expiration_date=now + timedelta(days=365))
        cls.needle_lot_expired = lot(cls.needle, 'NDL-000', expiration_date=now - timedelta(days=3))
        Quant = env['stock.quant']
        for product_, lot_, qty in [
            (cls.resin, cls.resin_lot, 50), (cls.stopper, cls.stopper_lot, 500),
            (cls.stopper, cls.stopper_lot_quarantine, 500), (cls.needle, cls.needle_lot, 500),
            (cls.needle, cls.needle_lot_expired, 500), (cls.label, None, 500),
        ]:
            Quant._update_available_quantity(product_, cls.stock_location, qty, lot_id=lot_)
        cls.approve(cls.bom)

    @classmethod
    def approve(cls, bom, reason='Design verified'):
        """QA approves a master record the only way there is: an electronic signature."""
        bom.with_user(cls.qa_manager).action_mes_approve()  # the button's checks
        outcome = bom.with_user(cls.qa_manager).mes_sign(
            'approved', cls.qa_manager.login, PASSWORDS['qa_manager'], reason)
        assert outcome['signed'], outcome['message']
        return outcome

    # -- helpers -----------------------------------------------------------------------
    def create_production(self, qty=10, bom=None):
        bom = bom or self.bom
        production = self.env['mrp.production'].create({
            'product_id': bom.product_tmpl_id.product_variant_id.id,
            'product_qty': qty,
            'bom_id': bom.id,
        })
        production.action_confirm()
        return production

    def released_production(self, qty=10):
        production = self.create_production(qty)
        production.with_user(self.supervisor).action_mes_release()
        return production

    def steps(self, workorder):
        return workorder.mes_step_execution_ids.sorted(lambda s: (s.sequence, s.id))

    def workorders(self, production):
        return production.workorder_ids.sorted(lambda w: (w.sequence, w.id))

    def record(self, step, **kw):
        return step.with_user(self.operator).mes_record(**kw)

    def molding_at_equipment_step(self, production=None):
        """A released order's moulding started, its steps done up to the mould scan: the
        steps of the work order."""
        production = production or self.released_production()
        molding = self.workorders(production)[0]
        molding.with_user(self.operator).button_start()
        steps = self.steps(molding)
        self.record(steps[0])
        self.record(steps[1], code='RES-001')
        self.record(steps[2], value='231.5')
        return steps

    def run_molding(self, workorder, temperature='231.5'):
        workorder.with_user(self.operator).button_start()
        s = self.steps(workorder)
        self.record(s[0])
        self.assertTrue(self.record(s[1], code='RES-001')['accepted'])
        self.record(s[2], value=temperature)
        self.record(s[3], code='MOULD-07')

    def run_assembly(self, workorder):
        workorder.with_user(self.operator).button_start()
        s = self.steps(workorder)
        self.assertTrue(self.record(s[0], code='STP-001')['accepted'])
        self.assertTrue(self.record(s[1], code='NDL-001')['accepted'])
        self.assertTrue(self.record(s[2], code='LBL-001')['accepted'])
        self.record(s[3], value='8.2')
        self.record(s[4], passed=True)
        self.record(s[5], login='mes_operator', password=PASSWORDS['operator'])


class AssemblyCase(MesCase):
    """A released order with its moulding done and its assembly started, at the stopper."""

    def setUp(self):
        super().setUp()
        self.production = self.released_production()
        self.molding, self.assembly = self.workorders(self.production)
        self.run_molding(self.molding)
        self.molding.with_user(self.operator).button_finish()
        self.assembly.with_user(self.operator).button_start()
        self.stopper_step, self.needle_step, self.label_step = self.steps(self.assembly)[:3]
