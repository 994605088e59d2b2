{
    'name': 'Part 11 mixins: test model',
    'summary': 'A record type made signable and audited in a few lines, only for the tests of '
               'mes_part11 (never install it in production)',
    'version': '19.0.1.0.0',
    'category': 'Hidden/Tests',
    'author': 'Odoo MES contributors',
    'website': 'https://github.com/odoo-mes/odoo-mes',
    'license': 'LGPL-3',
    'depends': ['mes_part11'],
    'data': [
        'security/test_part11_security.xml',
        'security/ir.model.access.csv',
        'data/test_part11_policy.xml',
        'views/test_part11_record_views.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'test_mes_part11/static/tests/tours/*',
        ],
    },
    'installable': True,
}
