import asyncio

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import opcua_security
from ..models.mes_opcua_tag import TAG_MEANINGS


class MesOpcuaBrowse(models.TransientModel):
    """The variables a server offers, to map as tags without typing node ids."""
    _name = 'mes.opcua.browse'
    _description = 'Browse OPC UA Server'

    server_id = fields.Many2one('mes.opcua.server', required=True, ondelete='cascade')
    line_ids = fields.One2many('mes.opcua.browse.line', 'browse_id', string='Variables')
    equipment_id = fields.Many2one('maintenance.equipment', string='Map to Equipment')
    meaning = fields.Selection(TAG_MEANINGS, default='parameter')

    @api.model
    def _mes_browse(self, server, max_depth=4):
        try:
            from asyncua import ua
        except ImportError:
            raise UserError(_('The OPC UA library asyncua is not installed on this Odoo server '
                              '(pip install -r requirements.txt).')) from None
        settings = server._mes_client_settings()

        async def walk():
            # authenticated like the test and the collector (user / certificate included)
            client = await opcua_security.make_client(settings)
            found = []
            async with client:
                todo = [(client.nodes.objects, '', 0)]
                while todo:
                    node, path, depth = todo.pop(0)
                    for child in await node.get_children():
                        if child.nodeid.NamespaceIndex == 0:
                            continue  # the server's own standard nodes
                        name = (await child.read_browse_name()).Name
                        node_class = await child.read_node_class()
                        child_path = '%s/%s' % (path, name) if path else name
                        if node_class == ua.NodeClass.Variable:
                            found.append((child.nodeid.to_string(), child_path,
                                          (await child.read_data_type_as_variant_type()).name))
                        elif depth < max_depth:
                            todo.append((child, child_path, depth + 1))
            return found
        try:
            return asyncio.run(walk())
        except UserError:
            raise
        except Exception as error:  # noqa: BLE001 - reported in words
            raise UserError(_('Cannot browse %(url)s: %(why)s', url=server.endpoint_url,
                              why=opcua_security.explain(error, server._mes_translate))) from None

    @api.model
    def action_open_for(self, server):
        server._mes_check_admin()
        found = self._mes_browse(server)
        mapped = set(server.tag_ids.mapped('node_id'))
        wizard = self.create({'server_id': server.id, 'line_ids': [
            fields.Command.create({'node_id': node_id, 'path': path, 'data_type': dtype,
                                   'mapped': node_id in mapped})
            for node_id, path, dtype in found]})
        return {'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': wizard.id,
                'view_mode': 'form', 'views': [(False, 'form')], 'target': 'new',
                'name': _('Browse %(server)s', server=server.name)}

    def action_add_tags(self):
        self.ensure_one()
        chosen = self.line_ids.filtered(lambda l: l.selected and not l.mapped)
        if not chosen:
            raise UserError(_('Tick the variables to map.'))
        if not self.equipment_id:
            raise UserError(_('Choose the equipment these variables belong to.'))
        self.env['mes.opcua.tag'].create([{
            'server_id': self.server_id.id, 'node_id': line.node_id,
            'name': line.path.rsplit('/', 1)[-1], 'equipment_id': self.equipment_id.id,
            'meaning': self.meaning} for line in chosen])
        return {'type': 'ir.actions.act_window_close'}


class MesOpcuaBrowseLine(models.TransientModel):
    _name = 'mes.opcua.browse.line'
    _description = 'Browsed OPC UA Variable'

    browse_id = fields.Many2one('mes.opcua.browse', required=True, ondelete='cascade')
    selected = fields.Boolean(string='Map')
    node_id = fields.Char(string='Node ID')
    path = fields.Char()
    data_type = fields.Char()
    mapped = fields.Boolean(string='Already Mapped')
