{
    'name': 'MES Quality + Equipment',
    'summary': 'Gauges in inspections: the measuring gauge must be of the required equipment '
               'class, qualified and calibrated',
    'version': '19.0.1.0.0',
    'category': 'Supply Chain/Quality',
    'author': 'Odoo MES contributors',
    'website': 'https://github.com/odoo-mes/odoo-mes',
    'license': 'LGPL-3',
    # glue between two addons that never depend on each other (see DESIGN)
    'depends': ['mes_quality', 'mes_equipment'],
    'data': [
        'views/mes_inspection_plan_views.xml',
    ],
    'auto_install': True,
    'installable': True,
}
