{
    'name': 'MES Quality',
    'summary': 'Quality for the MES: inspection plans, ISO 2859-1 sampling with switching '
               'rules, inspections, SPC, review by exception',
    'version': '19.0.1.1.0',
    'category': 'Supply Chain/Quality',
    'author': 'Odoo MES contributors',
    'website': 'https://github.com/odoo-mes/odoo-mes',
    'license': 'LGPL-3',
    'depends': ['mes_bridge'],
    'external_dependencies': {'python': ['numpy']},
    'data': [
        'security/ir.model.access.csv',
        'security/mes_quality_security.xml',
        'data/mes_quality_data.xml',
        'data/mes_quality_event_data.xml',
        'wizards/mes_inspection_record_views.xml',
        'views/mes_inspection_plan_views.xml',
        'views/mes_inspection_views.xml',
        'views/mes_sampling_views.xml',
        'views/mes_operation_step_views.xml',
        'views/mes_quality_views.xml',
        'views/mes_spc_chart_action.xml',
        'views/mes_nonconformance_views.xml',
        'views/mes_capa_views.xml',
        'views/mes_change_request_views.xml',
        'views/mes_production_record_views.xml',
        'views/mes_certificate_views.xml',
        'report/mes_quality_reports.xml',
        'views/res_config_settings_views.xml',
        'wizards/mes_quality_note_views.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'mes_quality/static/src/spc_chart/*',
        ],
        'web.assets_tests': [
            'mes_quality/static/tests/tours/*.js',
        ],
        # the kiosk's quality step kinds (registry mes_kiosk_steps of mes_bridge's kiosk)
        'mes_bridge.assets_kiosk': [
            'mes_quality/static/src/kiosk/**/*',
        ],
    },
    'demo': [
        'demo/mes_quality_demo.xml',
    ],
    'installable': True,
    'application': False,
}
