{
    'name': 'MES Equipment',
    'summary': 'Equipment for the MES: qualification, calibration and machine data',
    'version': '19.0.1.2.0',
    'category': 'Supply Chain/Manufacturing',
    'author': 'Odoo MES contributors',
    'website': 'https://github.com/odoo-mes/odoo-mes',
    'license': 'LGPL-3',
    'depends': ['mes_bridge', 'maintenance'],
    'data': [
        'security/ir.model.access.csv',
        'security/mes_equipment_security.xml',
        'data/ir_cron_data.xml',
        'data/mes_equipment_event_data.xml',
        'wizards/mes_opcua_browse_views.xml',
        'views/maintenance_equipment_views.xml',
        'views/mes_equipment_views.xml',
        'views/mes_opcua_views.xml',
        'views/mes_oee_views.xml',
        'views/mrp_production_views.xml',
    ],
    # the OPC UA stack (connection test, browse, collector); see readme/INSTALL.md
    'external_dependencies': {'python': ['asyncua']},
    'assets': {
        'web.assets_backend': [
            'mes_equipment/static/src/trend/*',
        ],
    },
    'demo': [
        'demo/mes_equipment_demo.xml',
        'demo/mes_opcua_demo.xml',
    ],
    'uninstall_hook': 'uninstall_hook',
    'installable': True,
    'application': False,
}
