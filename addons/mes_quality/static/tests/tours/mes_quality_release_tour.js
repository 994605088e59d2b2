import { registry } from "@web/core/registry";

/**
 * A QA manager works the review queue: opens the production record waiting with a flagged
 * deviation, acknowledges the flag with a comment, releases the record for distribution with
 * an electronic signature, then issues the certificate of conformance and downloads it.
 * Data (see tests/test_release_ui.py): lot SYR-TOUR-1, QA manager mes_qa_manager.
 */
const LOT = "SYR-TOUR-1";
const LOGIN = "mes_qa_manager";
const PASSWORD = "qa-manager-Secret-2026";

registry.category("web_tour.tours").add("mes_quality_release_tour", {
    steps: () => [
        {
            content: "The record waits in the review queue with its open flag",
            trigger: `.o_list_view .o_data_row:contains('${LOT}') td.o_data_cell[name='name']`,
            run: "click",
        },
        {
            content: "The deviation is flagged for review",
            trigger: ".o_field_widget[name='flag_ids'] .o_data_row:contains('245')",
        },
        {
            content: "Release is not offered while a flag is open",
            trigger: ".o_form_statusbar:not(:has(button[name='action_release']))",
        },
        {
            content: "Acknowledge the flag",
            trigger: ".o_field_widget[name='flag_ids'] .o_data_row:contains('245') button[name='action_acknowledge']",
            run: "click",
        },
        {
            content: "Say what was checked",
            trigger: ".modal div[name='note'] textarea",
            run: "edit Disposition PQ-7 checked; barrels measured in spec",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The flag is acknowledged",
            trigger: ".o_field_widget[name='flag_ids'] .o_data_row:contains('Disposition PQ-7 checked')",
        },
        {
            content: "Release for distribution",
            trigger: ".o_form_statusbar button[name='action_release']",
            run: "click",
        },
        {
            content: "Sign: login",
            trigger: ".modal div[name='login'] input",
            run: `edit ${LOGIN}`,
        },
        {
            content: "Sign: password",
            trigger: ".modal div[name='password'] input",
            run: `edit ${PASSWORD}`,
        },
        {
            content: "Sign: comment",
            trigger: ".modal div[name='reason'] textarea",
            run: "edit Record reviewed by exception",
        },
        {
            content: "Sign",
            trigger: ".modal .modal-footer button[name='action_confirm']:visible",
            run: "click",
        },
        {
            content: "The record is released",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Released')",
        },
        {
            content: "Issue the certificate of conformance",
            trigger: ".o_form_statusbar button[name='action_certificate']",
            run: "click",
        },
        {
            content: "The certificate shows its verification address",
            trigger: ".o_form_view .o_field_widget[name='verification_url']:contains('/mes/coc/')",
        },
        {
            content: "Download the PDF",
            trigger: ".o_form_statusbar button[name='action_download']",
            run: "click",
        },
        {
            content: "Still on the certificate, no error",
            trigger: ".o_form_view:not(:has(.o_error_dialog)) .o_field_widget[name='name']:contains('COC-')",
        },
    ],
});
