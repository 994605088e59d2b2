import { registry } from "@web/core/registry";

/**
 * An inspector records a receiving inspection whose values have shifted, then opens the
 * SPC chart of the characteristic from the inspection: the new subgroup is flagged.
 * Data (see tests/test_spc_ui.py): lot STP-SPC-TOUR, characteristic "Barrel inner diameter"
 * (fixed sample of 5, X-bar/R chart with 12 in-control subgroups before).
 */
const LOT = "STP-SPC-TOUR";
const CHARACTERISTIC = "Barrel inner diameter";
const VALUES = ["6.560", "6.570", "6.555", "6.565", "6.560"];
const LINE = `.o_form_view .o_field_widget[name='line_ids'] .o_data_row:contains('${CHARACTERISTIC}')`;

function enterValue(row, value) {
    const cell = `.modal .o_field_widget[name='row_ids'] .o_data_row:nth-child(${row})`;
    return [
        {
            content: `Sample ${row}: select the row`,
            trigger: `${cell} td[name='value']`,
            run: "click",
        },
        {
            content: `Sample ${row}: enter ${value}`,
            trigger: `${cell}.o_selected_row td[name='value'] input`,
            run: `edit ${value}`,
        },
    ];
}

registry.category("web_tour.tours").add("mes_quality_spc_tour", {
    steps: () => [
        {
            content: "Open the pending receiving inspection of the lot",
            trigger: `.o_list_view .o_data_row:contains('${LOT}') td.o_data_cell[name='name']`,
            run: "click",
        },
        {
            content: "Record the results of the characteristic",
            trigger: `${LINE} button[name='action_record_results']`,
            run: "click",
        },
        {
            content: "The grid has one row per sample",
            trigger: ".modal .o_field_widget[name='row_ids'] .o_data_row:nth-child(5)",
        },
        ...VALUES.flatMap((value, i) => enterValue(i + 1, value)),
        {
            content: "Record the grid",
            trigger: ".modal .modal-footer button[name='action_record']",
            run: "click",
        },
        {
            content: "The grid is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Open the SPC chart of the characteristic",
            trigger: `${LINE} button[name='action_open_spc_chart']`,
            run: "click",
        },
        {
            content: "The chart is drawn",
            trigger: ".o_mes_spc_chart .o_mes_spc_main_canvas",
        },
        {
            content: "Rule 1 fired (the shifted subgroup) and shows in the legend",
            trigger: ".o_mes_spc_chart .o_mes_spc_rule_1",
        },
        {
            content: "The capability panel is shown",
            trigger: ".o_mes_spc_chart .o_mes_spc_capability .o_mes_spc_cap_cpk",
        },
        {
            content: "Refresh redraws the chart",
            trigger: ".o_mes_spc_chart .o_mes_spc_refresh:enabled",
            run: "click",
        },
        {
            content: "At least one point is flagged",
            trigger: ".o_mes_spc_chart .o_mes_spc_point_flagged_count",
            run() {
                const count = parseInt(this.anchor.dataset.count, 10);
                if (!(count >= 1)) {
                    throw new Error(`Expected flagged points on the SPC chart, got ${count}`);
                }
            },
        },
    ],
});
