{
    'name': 'Electronic Records and Signatures (21 CFR Part 11)',
    'summary': 'Electronic signatures with meanings, order, segregation of duties and lockout, '
               'and a tamper-evident, hash-chained audit trail, for any Odoo model',
    'version': '19.0.1.3.0',
    'category': 'Hidden/Tools',
    'author': 'Odoo MES contributors',
    'website': 'https://github.com/odoo-mes/odoo-mes',
    'license': 'LGPL-3',
    'depends': ['mail'],
    # Ed25519 signatures of the checkpoints: cryptography, which Odoo itself requires
    'external_dependencies': {'python': ['cryptography']},
    'data': [
        'security/mes_part11_security.xml',
        'security/ir.model.access.csv',
        'data/mes_part11_data.xml',
        'report/mes_part11_reports.xml',
        'wizards/mes_sign_wizard_views.xml',
        'wizards/mes_access_review_views.xml',
        'views/mes_audit_entry_views.xml',
        'views/mes_signature_views.xml',
        'views/mes_audit_anchor_views.xml',
        'views/mes_access_log_views.xml',
        'views/mes_password_templates.xml',
        'views/mes_change_reason_rule_views.xml',
        'views/res_config_settings_views.xml',
        'views/mes_part11_menus.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'mes_part11/static/src/sign_dialog/*',
            'mes_part11/static/src/idle_sign_out/*',
            'mes_part11/static/src/change_reason/*',
        ],
    },
    'pre_init_hook': 'pre_init_hook',
    'uninstall_hook': 'uninstall_hook',
    'installable': True,
}
