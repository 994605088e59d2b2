import { registry } from "@web/core/registry";

/**
 * An operator on the work order form: start, then record every step of the moulding
 * operation through the guided dialog, including a refused equipment scan.
 */
function recordInDialog(content, field, value) {
    const steps = [];
    if (field) {
        steps.push({
            content: `${content}: enter ${value}`,
            trigger: `.modal div[name='${field}'] input`,
            run: `edit ${value}`,
        });
    }
    steps.push({
        content: `${content}: record`,
        trigger: ".modal button[name='action_record']",
        run: "click",
    });
    return steps;
}

registry.category("web_tour.tours").add("mes_bridge_guided_execution", {
    steps: () => [
        {
            content: "Start the work order",
            trigger: ".o_form_view .o_form_statusbar button[name='button_start']",
            run: "click",
        },
        {
            content: "Open the next step",
            trigger: ".o_form_view .o_form_statusbar button[name='action_mes_record_next_step']",
            run: "click",
        },
        {
            content: "The instruction is shown to the operator",
            trigger: ".modal:contains('Wear gloves')",
        },
        ...recordInDialog("Instruction", null, null),
        {
            content: "Material scan dialog",
            trigger: ".modal:contains('Scan resin lot')",
        },
        ...recordInDialog("Resin", "code", "RES-001"),
        {
            content: "Measurement dialog shows the limits",
            trigger: ".modal:contains('220.0')",
        },
        ...recordInDialog("Temperature", "value", "231.5"),
        {
            content: "Equipment dialog",
            trigger: ".modal:contains('MOULD-07')",
        },
        ...recordInDialog("Wrong mould", "code", "MOULD-99"),
        {
            content: "The refusal names the equipment scanned",
            trigger: ".o_notification:contains('MOULD-99')",
        },
        {
            content: "The same step is offered again",
            trigger: ".modal:contains('Confirm mould') div[name='code'] input",
        },
        ...recordInDialog("Right mould", "code", "MOULD-07"),
        {
            content: "All steps recorded: Finish appears",
            trigger: ".o_form_view .o_form_statusbar button[name='button_finish']",
            run: "click",
        },
        {
            content: "The work order is finished",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Finished')",
        },
    ],
});
