"""19.0.1.1.0 brings mes_quality_equipment, the glue that checks gauges when MES Equipment is
installed too. Odoo auto-installs such glue when one of its addons is installed, not when they
are upgraded: a database that has both gets it here, in the same upgrade run."""


def migrate(cr, version):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415 (Odoo imports migration scripts bare)

    env = api.Environment(cr, SUPERUSER_ID, {})
    Module = env['ir.module.module']
    equipment = Module.search([('name', '=', 'mes_equipment'),
                               ('state', 'in', ('installed', 'to upgrade'))])
    glue = Module.search([('name', '=', 'mes_quality_equipment'), ('state', '=', 'uninstalled')])
    if equipment and glue:
        glue.button_install()
