{
    'name': 'MES Bridge',
    'summary': 'Shop-floor execution for Odoo manufacturing: released routing steps, '
               'guided work orders, material verification, exceptions and lot release state',
    'version': '19.0.1.2.0',
    'category': 'Supply Chain/Manufacturing',
    'author': 'Odoo MES contributors',
    'website': 'https://github.com/odoo-mes/odoo-mes',
    'license': 'LGPL-3',
    'depends': ['mes_part11', 'mrp', 'stock', 'product_expiry', 'mail', 'web', 'rpc'],
    'data': [
        'security/mes_security.xml',
        'security/ir.model.access.csv',
        'data/ir_sequence_data.xml',
        'data/mes_signature_policy_data.xml',
        'report/mes_bridge_reports.xml',
        'wizards/mes_step_record_views.xml',
        'wizards/mes_exception_disposition_views.xml',
        'wizards/mes_exception_reclassify_views.xml',
        'views/mes_operation_step_views.xml',
        'views/mrp_bom_views.xml',
        'views/mes_step_execution_views.xml',
        'views/mes_exception_views.xml',
        'views/mrp_production_views.xml',
        'views/mrp_workorder_views.xml',
        'views/stock_lot_views.xml',
        'views/product_template_views.xml',
        'views/mes_genealogy_views.xml',
        'views/res_config_settings_views.xml',
        'views/mes_menus.xml',
        'views/webclient_templates.xml',
        'views/report_layout_templates.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'mes_bridge/static/src/genealogy/*',
        ],
        # PDF reports with real text: see views/report_layout_templates.xml
        'mes_bridge.report_assets_pdf_text': [
            ('include', 'web.report_assets_common'),
            ('remove', 'web/static/fonts/fonts.scss'),
        ],
        'web.assets_tests': [
            'mes_bridge/static/tests/tours/*.js',
        ],
    },
    'demo': [
        'demo/mes_demo.xml',
    ],
    'post_init_hook': 'post_init_hook',
    'installable': True,
    'application': True,
}
