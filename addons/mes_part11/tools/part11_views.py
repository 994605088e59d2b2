"""The Part 11 parts of a form (signature banner and tab, audit trail tab), injected into the
form view of any model that uses the mes.signable / mes.audited mixins, the way OCA's
base_tier_validation adds its buttons: no hand-copied view per model. A form that already
places a part itself (a node named ``mes_signatures`` / ``mes_audit_trail``) keeps its own."""
from lxml import etree

# who reads the history tab (as the menus of the audit trail); applications make their users
# members (mes_bridge: manufacturing users, operators, quality)
AUDIT_READERS = 'mes_part11.group_part11_reader'


def _notebook(arch):
    """The form's main notebook, made at the end of its sheet (or form) when it has none."""
    sheet = arch.find('.//sheet')
    parent = sheet if sheet is not None else arch
    for notebook in parent.iter('notebook'):
        return notebook
    notebook = etree.SubElement(parent, 'notebook')
    return notebook


def _has(arch, name):
    return bool(arch.xpath("//*[@name='%s']" % name))


def audit_tab(env, arch):
    if _has(arch, 'mes_audit_trail'):
        return
    page = etree.fromstring("""
        <page name="mes_audit_trail" groups="%s">
            <field name="mes_audit_entry_ids" readonly="1" nolabel="1" colspan="2">
                <list limit="40" create="0" delete="0">
                    <field name="seq"/>
                    <field name="timestamp"/>
                    <field name="user_name"/>
                    <field name="operation"/>
                    <field name="field_label"/>
                    <field name="old_display"/>
                    <field name="new_display"/>
                    <field name="reason" optional="show"/>
                    <field name="origin" optional="show"/>
                </list>
            </field>
        </page>""" % AUDIT_READERS)
    page.set('string', env._('Audit Trail'))
    _notebook(arch).append(page)


def signature_parts(env, arch, unlock_group):
    if _has(arch, 'mes_signatures'):
        return
    sheet = arch.find('.//sheet')
    top = sheet if sheet is not None else arch
    banner = etree.fromstring("""
        <div name="mes_signature_banner">
            <div class="alert alert-danger" role="alert"
                 invisible="mes_signature_status != 'invalid'"/>
            <div class="alert alert-info" role="status" invisible="not mes_signature_manifest">
                <field name="mes_signature_manifest" nolabel="1" class="text-break"
                       style="white-space: pre-line;"/>
            </div>
        </div>""")
    banner[0].text = env._('A signature of this record no longer matches its content: the '
                           'record was changed after signing.')
    # after a ribbon or a button box, before the title and the fields
    index = 0
    for index, child in enumerate(top):  # noqa: B007 (the index is wanted after the loop)
        if not (child.tag == 'widget' or child.get('name') == 'button_box'):
            break
    top.insert(index, banner)
    page = etree.fromstring("""
        <page name="mes_signatures">
            <field name="mes_signature_status" invisible="1"/>
            <field name="mes_signature_ids" readonly="1" nolabel="1" colspan="2">
                <list decoration-danger="status == 'invalid'" create="0" delete="0"
                      decoration-muted="status == 'invalidated'">
                    <field name="meaning_id"/>
                    <field name="signer_name"/>
                    <field name="signer_role" optional="show"/>
                    <field name="signed_at"/>
                    <field name="signed_at_local" optional="show"/>
                    <field name="reason" optional="show"/>
                    <field name="status" widget="badge" decoration-success="status == 'valid'"
                           decoration-danger="status == 'invalid'"/>
                    <field name="content_hash" optional="hide"/>
                </list>
            </field>
        </page>""")
    page.set('string', env._('Signatures'))
    _notebook(arch).append(page)
    header = arch.find('header')
    if header is not None and unlock_group and not arch.xpath(
            "//button[@name='action_mes_unlock_for_correction']"):
        button = etree.Element('button', {
            'name': 'action_mes_unlock_for_correction', 'type': 'object',
            'groups': unlock_group,
            'invisible': "mes_signature_status in ('unsigned', False)"})
        button.set('string', env._('Unlock for Correction'))
        statusbar = header.find("field[@widget='statusbar']")
        if statusbar is not None:
            statusbar.addprevious(button)
        else:
            header.append(button)
