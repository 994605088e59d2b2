from odoo.tests import TransactionCase, new_test_user

SIGNER = 'base.group_user,test_mes_part11.group_test_part11_signer'


class Part11Case(TransactionCase):
    """A plain record type (test.part11.record) made signable and audited by the mixins."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.author = new_test_user(cls.env, 'p11_author', groups=SIGNER, name='Ann Author',
                                   password='p11-author-Secret-1')
        cls.approver = new_test_user(cls.env, 'p11_approver', groups=SIGNER,
                                     name='Bob Approver', password='p11-approver-Secret-1')
        cls.bystander = new_test_user(cls.env, 'p11_bystander', groups='base.group_user',
                                      name='Cy Bystander', password='p11-bystander-Secret-1')
        cls.manager = new_test_user(cls.env, 'p11_manager',
                                    groups='base.group_user,mes_part11.group_part11_manager',
                                    name='Dee Manager', password='p11-manager-Secret-1')
        cls.passwords = {user: user.login.replace('p11_', 'p11-') + '-Secret-1'
                         for user in (cls.author, cls.approver, cls.bystander, cls.manager)}
        cls.Record = cls.env['test.part11.record']

    def new_record(self, user=None, **values):
        values.setdefault('name', 'Batch 42')
        values.setdefault('quantity', 10.0)
        values.setdefault('line_ids', [(0, 0, {'name': 'Weight', 'value': 4.2})])
        return self.Record.with_user(user or self.author).create(values)

    def sign(self, record, user, meaning, password=None, reason='Checked'):
        return record.with_user(user).mes_sign(meaning, user.login,
                                               password or self.passwords[user], reason)

    def entries(self, record, **domain):
        return self.env['mes.audit.entry'].sudo().search(
            [('res_model', '=', record._name), ('res_id', '=', record.id)]
            + [(key, '=', value) for key, value in domain.items()])
