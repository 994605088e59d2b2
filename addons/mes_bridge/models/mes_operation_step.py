import base64
import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

STEP_TYPES = [
    ('instruction', 'Instruction'),
    ('measurement', 'Measurement'),
    ('check', 'Pass/Fail Check'),
    ('material', 'Material Scan'),
    ('equipment', 'Equipment Check'),
    ('signature', 'Signature'),
]
LIMIT_KINDS = [
    ('range', 'Between limits'),
    ('min', 'At least'),
    ('max', 'At most'),
]
CRITICALITIES = [
    ('minor', 'Minor'),
    ('major', 'Major'),
    ('critical', 'Critical'),
]
SIGNATURE_MEANINGS = [
    ('performed', 'Performed by'),
    ('verified', 'Verified by'),
    ('reviewed', 'Reviewed by'),
    ('approved', 'Approved by'),
]

# Fields that define what the shop floor must do; they are copied into each
# released work order so later edits of the master never reach released work.
STEP_DEFINITION_FIELDS = [
    'sequence', 'name', 'step_type', 'instructions', 'target', 'lower_limit', 'upper_limit',
    'limit_kind', 'uom_id', 'decimals', 'criticality', 'product_id', 'bom_line_id',
    'expected_equipment', 'signature_meaning',
]

# A step's instruction document (a PDF: drawing, visual aid, work instruction). Released work
# keeps its own copy of the version it was released with; signatures and the audit trail name
# the document by its SHA-256. Not in STEP_DEFINITION_FIELDS: what signatures given before
# documents existed covered stays as it was (see the models' content versions).
STEP_DOCUMENT_FIELDS = ['instruction_pdf', 'instruction_pdf_name']
MAX_INSTRUCTION_PDF_BYTES = 20 * 1024 * 1024


def document_sha256(record):
    """SHA-256 (hex) of ``record``'s instruction document, or False."""
    data = record.with_context(bin_size=False).instruction_pdf
    return hashlib.sha256(base64.b64decode(data)).hexdigest() if data else False


class MesOperationStep(models.Model):
    _name = 'mes.operation.step'
    _mes_field_units = dict.fromkeys(('target', 'lower_limit', 'upper_limit'),
                                     "the step's unit (uom_id)")
    _description = 'Operation Step'
    _inherit = ['mes.audited']
    _mes_audit_fields = tuple(['operation_id'] + STEP_DEFINITION_FIELDS
                              + ['instruction_pdf', 'instruction_pdf_name'])
    _mes_audit_no_delete = False
    _order = 'operation_id, sequence, id'

    operation_id = fields.Many2one('mrp.routing.workcenter', required=True,
                                   ondelete='cascade', index=True)
    bom_id = fields.Many2one(related='operation_id.bom_id', store=True, index=True)
    company_id = fields.Many2one(related='operation_id.company_id', store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string='Step', required=True)
    step_type = fields.Selection(STEP_TYPES, string='Type', required=True, default='instruction')
    instructions = fields.Html(sanitize=True)
    instruction_pdf = fields.Binary(
        string='Instruction Document', attachment=True,
        help='A PDF the operator opens with the step (drawing, visual aid, work instruction), '
             'on the kiosk too while it is offline.')
    instruction_pdf_name = fields.Char(string='Document File Name')
    instruction_pdf_sha256 = fields.Char(
        string='Document SHA-256', compute='_compute_instruction_pdf_sha256', store=True,
        help='Names the exact document: the approval of the master record and the audit '
             'trail record it.')
    criticality = fields.Selection(
        CRITICALITIES, default='major', required=True,
        help='A deviation on a critical step blocks the work order until a supervisor '
             'dispositions it.')
    # measurement
    limit_kind = fields.Selection(LIMIT_KINDS, string='Specification', default='range')
    target = fields.Float(digits=(16, 6))
    lower_limit = fields.Float(digits=(16, 6))
    upper_limit = fields.Float(digits=(16, 6))
    uom_id = fields.Many2one('uom.uom', string='Unit')
    decimals = fields.Integer(default=2,
                              help='Resolution the value is rounded to before judging it.')
    # material scan
    bom_line_id = fields.Many2one(
        'mrp.bom.line', string='Component', ondelete='restrict',
        domain="[('bom_id', '=', bom_id)]")
    product_id = fields.Many2one('product.product', string='Component Product', related='bom_line_id.product_id', store=True)
    # equipment check
    expected_equipment = fields.Char(
        string='Equipment',
        help='Code or serial number the operator must scan to confirm the right equipment.')
    # signature
    signature_meaning = fields.Selection(SIGNATURE_MEANINGS)

    @api.constrains('step_type', 'limit_kind', 'lower_limit', 'upper_limit', 'bom_line_id',
                    'signature_meaning', 'decimals', 'operation_id')
    def _check_definition(self):
        for step in self:
            if step.step_type == 'measurement':
                if not step.limit_kind:
                    raise ValidationError(_('Measurement step "%(step)s" needs a specification.',
                                            step=step.name))
                if step.limit_kind == 'range' and step.lower_limit > step.upper_limit:
                    raise ValidationError(_(
                        'Measurement step "%(step)s": the lower limit is above the upper limit.',
                        step=step.name))
                if not 0 <= step.decimals <= 6:
                    raise ValidationError(_('Measurement step "%(step)s": decimals must be '
                                            'between 0 and 6.', step=step.name))
            if step.step_type == 'material':
                if not step.bom_line_id:
                    raise ValidationError(_('Material scan step "%(step)s" needs a component.',
                                            step=step.name))
                if step.bom_line_id.bom_id != step.operation_id.bom_id \
                        and not self.env.context.get('mes_copying_steps'):
                    raise ValidationError(_(
                        'Material scan step "%(step)s" must use a component of its own bill of '
                        'materials.', step=step.name))
            if step.step_type == 'signature' and not step.signature_meaning:
                raise ValidationError(_('Signature step "%(step)s" needs a meaning.',
                                        step=step.name))

    @api.depends('instruction_pdf')
    def _compute_instruction_pdf_sha256(self):
        for step in self:
            step.instruction_pdf_sha256 = document_sha256(step)

    @api.constrains('instruction_pdf')
    def _check_instruction_pdf(self):
        for step in self:
            data = step.with_context(bin_size=False).instruction_pdf
            if not data:
                continue
            raw = base64.b64decode(data)
            if len(raw) > MAX_INSTRUCTION_PDF_BYTES:
                raise ValidationError(_(
                    'The instruction document of step "%(step)s" is larger than %(mb)s MB.',
                    step=step.name, mb=MAX_INSTRUCTION_PDF_BYTES // (1024 * 1024)))
            if not raw.startswith(b'%PDF-'):
                raise ValidationError(_(
                    'The instruction document of step "%(step)s" is not a PDF file.',
                    step=step.name))

    def _mes_repoint_components(self):
        for step in self.filtered(lambda s: s.bom_line_id
                                  and s.bom_line_id.bom_id != s.operation_id.bom_id):
            line = step.operation_id.bom_id.bom_line_ids.filtered(
                lambda line: line.product_id == step.bom_line_id.product_id)[:1]
            if not line:
                raise ValidationError(_(
                    'Step "%(step)s" scans %(product)s, which is not a component of %(bom)s.',
                    step=step.name, product=step.bom_line_id.product_id.display_name,
                    bom=step.operation_id.bom_id.display_name))
            step.bom_line_id = line
        self._check_definition()

    @api.model_create_multi
    def create(self, vals_list):
        operations = self.env['mrp.routing.workcenter'].browse(
            [v['operation_id'] for v in vals_list if v.get('operation_id')])
        operations.bom_id._mes_check_editable()
        return super().create(vals_list)

    def write(self, vals):
        self.bom_id._mes_check_editable()
        return super().write(vals)

    def unlink(self):
        self.bom_id._mes_check_editable()
        return super().unlink()

    def _prepare_execution_vals(self, workorder):
        """Snapshot of this step for one released work order."""
        self.ensure_one()
        vals = {name: self[name] for name in STEP_DEFINITION_FIELDS}
        for name, value in vals.items():
            if isinstance(value, models.BaseModel):
                vals[name] = value.id
        if self.instruction_pdf_sha256:
            # the document as released (the filestore keeps one copy of identical files)
            vals.update(self.with_context(bin_size=False).read(STEP_DOCUMENT_FIELDS)[0])
            vals.pop('id')
        vals.update({
            'workorder_id': workorder.id,
            'operation_step_id': self.id,
            'state': 'pending',
        })
        return vals
