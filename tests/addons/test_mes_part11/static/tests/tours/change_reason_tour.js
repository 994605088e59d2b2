import { registry } from "@web/core/registry";

/**
 * A user changes a quantity that a change reason rule covers: saving asks why, an empty
 * reason is not taken, and the given one goes with the save.
 */
registry.category("web_tour.tours").add("mes_part11_change_reason", {
    steps: () => [
        {
            content: "Change the covered quantity",
            trigger: ".o_form_view .o_field_widget[name='quantity'] input",
            run: "edit 12",
        },
        {
            content: "Change the note as well (not covered)",
            trigger: ".o_form_view .o_field_widget[name='note'] textarea",
            run: "edit Recounted",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saving asks for the reason of the quantity's change",
            trigger: ".modal .modal-body:contains('Quantity') textarea.o_mes_change_reason",
        },
        {
            content: "An empty reason is not taken",
            trigger: ".modal .o_mes_change_reason_confirm",
            run: "click",
        },
        {
            content: "The dialog says so",
            trigger: ".modal .text-danger:contains('Give the reason')",
        },
        {
            content: "Give the reason",
            trigger: ".modal textarea.o_mes_change_reason",
            run: "edit Counted again after the line stop",
        },
        {
            content: "Confirm",
            trigger: ".modal .o_mes_change_reason_confirm",
            run: "click",
        },
        {
            content: "The record is saved",
            trigger: ".o_form_view .o_form_saved:not(.o_form_dirty), .o_form_view:not(:has(.o_form_status_indicator_dirty))",
        },
        {
            content: "No dialog is left",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
