{
    'name': 'MES Equipment',
    'summary': 'Equipment for the MES: qualification, calibration and machine data',
    'version': '19.0.1.0.0',
    'category': 'Supply Chain/Manufacturing',
    'author': 'Odoo MES contributors',
    'website': 'https://github.com/odoo-mes/odoo-mes',
    'license': 'LGPL-3',
    'depends': ['mes_bridge', 'maintenance'],
    'data': [
        'views/mes_equipment_views.xml',
    ],
    'installable': True,
    'application': False,
}
