import { registry } from "@web/core/registry";

/**
 * A QA manager opens a nonconformance from a rejected receiving inspection, gives the
 * affected lot a concession (use as is, with its justification), signs the disposition,
 * then closes the nonconformance with a second signature.
 * Data (see tests/test_nc_ui.py): rejected lot STP-NC-TOUR, QA manager mes_qa_manager.
 */
const LOT = "STP-NC-TOUR";
const LOGIN = "mes_qa_manager";
const PASSWORD = "qa-manager-Secret-2026";
const LINE = `.o_form_view .o_field_widget[name='line_ids'] .o_data_row:contains('${LOT}')`;

function sign(what, reason) {
    return [
        {
            content: `${what}: the signing dialog asks for login and password`,
            trigger: ".modal div[name='login'] input",
            run: `edit ${LOGIN}`,
        },
        {
            content: `${what}: password`,
            trigger: ".modal div[name='password'] input",
            run: `edit ${PASSWORD}`,
        },
        {
            content: `${what}: reason`,
            trigger: ".modal div[name='reason'] textarea",
            run: `edit ${reason}`,
        },
        {
            content: `${what}: sign`,
            trigger: ".modal .modal-footer button[name='action_confirm']:visible",
            run: "click",
        },
        {
            content: `${what}: the dialog is closed`,
            trigger: "body:not(:has(.modal))",
        },
    ];
}

registry.category("web_tour.tours").add("mes_quality_nc_concession_tour", {
    steps: () => [
        {
            content: "The inspection is rejected: open a nonconformance from it",
            trigger: ".o_form_view .o_form_statusbar button[name='action_open_nonconformance']",
            run: "click",
        },
        {
            content: "The nonconformance holds the rejected lot",
            trigger: `${LINE}:contains('To Disposition')`,
        },
        {
            content: "The lot's forward genealogy is attached",
            trigger: ".o_notebook a[name='impact']",
            run: "click",
        },
        {
            content: "The impact list names the lot",
            trigger: `.o_form_view .o_field_widget[name='impact_ids'] .o_data_row:contains('${LOT}')`,
        },
        {
            content: "Back to the affected lots",
            trigger: ".o_notebook a[name='lines']",
            run: "click",
        },
        {
            content: "Edit the line of the lot",
            trigger: `${LINE} td[name='disposition']`,
            run: "click",
        },
        {
            content: "Open the disposition choices",
            trigger: ".o_data_row.o_selected_row td[name='disposition'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Disposition: use as is (concession)",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Use as is (concession)')",
            run: "click",
        },
        {
            content: "Justify the concession",
            trigger: ".o_data_row.o_selected_row td[name='justification'] textarea",
            run: "edit Diameter 6.75 mm fits the barrel: design verification DV-12",
        },
        {
            content: "Save the nonconformance",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Sign the disposition",
            trigger: `${LINE} button[name='action_mes_sign']`,
            run: "click",
        },
        {
            content: "A mistyped password first",
            trigger: ".modal div[name='login'] input",
            run: `edit ${LOGIN}`,
        },
        {
            content: "Wrong password",
            trigger: ".modal div[name='password'] input",
            run: "edit not-my-password",
        },
        {
            content: "A reason",
            trigger: ".modal div[name='reason'] textarea",
            run: "edit MRB concession",
        },
        {
            content: "Sign with it",
            trigger: ".modal .modal-footer button[name='action_confirm']:visible",
            run: "click",
        },
        {
            content: "The dialog stays, with the refusal and without the password",
            trigger: ".modal .alert-danger:contains('password')",
        },
        ...sign("Disposition", "MRB concession"),
        {
            content: "The concession is carried out",
            trigger: `${LINE}:contains('Carried out')`,
        },
        {
            content: "Close the nonconformance",
            trigger: ".o_form_view .o_form_statusbar button[name='action_close']",
            run: "click",
        },
        ...sign("Closure", "Every disposition carried out"),
        {
            content: "The nonconformance is closed",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Closed')",
        },
    ],
});
