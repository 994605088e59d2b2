{
    'name': 'MES Quality',
    'summary': 'Quality review for the MES: review by exception and lot release',
    'version': '19.0.1.0.0',
    'category': 'Supply Chain/Quality',
    'author': 'Odoo MES contributors',
    'website': 'https://github.com/odoo-mes/odoo-mes',
    'license': 'LGPL-3',
    'depends': ['mes_bridge'],
    'data': [
        'views/mes_quality_views.xml',
    ],
    'installable': True,
    'application': False,
}
