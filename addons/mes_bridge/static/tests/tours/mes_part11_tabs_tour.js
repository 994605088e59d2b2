import { registry } from "@web/core/registry";

/**
 * A QA reviewer opens an approved master record: the signature manifestation, the
 * Signatures tab and the Audit Trail tab are there, added by the Part 11 mixins.
 */
registry.category("web_tour.tours").add("mes_bridge_part11_tabs", {
    steps: () => [
        {
            content: "The manifestation of the approval shows on the form",
            trigger: ".o_form_view div[name='mes_signature_banner'] .alert-info:contains('Quentin QA')",
        },
        {
            content: "Open the Signatures tab",
            trigger: ".o_notebook a[name='mes_signatures']",
            run: "click",
        },
        {
            content: "The approval signature, valid",
            trigger: ".o_notebook .o_field_widget[name='mes_signature_ids'] tr.o_data_row:contains('Quentin QA'):contains('Valid')",
        },
        {
            content: "Open the Audit Trail tab",
            trigger: ".o_notebook a[name='mes_audit_trail']",
            run: "click",
        },
        {
            content: "The approval is in the history",
            trigger: ".o_notebook .o_field_widget[name='mes_audit_entry_ids'] tr.o_data_row:contains('Approved')",
        },
    ],
});
