{
    'name': 'MES Bridge',
    'summary': 'Shop-floor execution for Odoo manufacturing: released routing steps, '
               'guided work orders, material verification, exceptions and lot release state',
    'version': '19.0.1.0.0',
    'category': 'Supply Chain/Manufacturing',
    'author': 'Odoo MES contributors',
    'website': 'https://github.com/odoo-mes/odoo-mes',
    'license': 'LGPL-3',
    'depends': ['mrp', 'stock', 'product_expiry', 'mail', 'web', 'rpc'],
    'data': [
        'security/mes_security.xml',
        'security/ir.model.access.csv',
        'data/ir_sequence_data.xml',
        'wizards/mes_step_record_views.xml',
        'wizards/mes_exception_disposition_views.xml',
        'views/mes_operation_step_views.xml',
        'views/mrp_bom_views.xml',
        'views/mes_step_execution_views.xml',
        'views/mes_exception_views.xml',
        'views/mrp_production_views.xml',
        'views/mrp_workorder_views.xml',
        'views/stock_lot_views.xml',
        'views/product_template_views.xml',
        'views/res_config_settings_views.xml',
        'views/mes_menus.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'mes_bridge/static/tests/tours/*.js',
        ],
    },
    'demo': [
        'demo/mes_demo.xml',
    ],
    'installable': True,
    'application': True,
}
