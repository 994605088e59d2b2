import { registry } from "@web/core/registry";

function key(k) {
    return { trigger: `.o_mes_key[data-key="${k}"]`, run: "click" };
}

function keys(text) {
    return [...text].map(key);
}

/** Sign in with the badge typed and the PIN on the keypad. */
export function signIn(badge, pin) {
    return [
        { trigger: ".o_mes_kiosk_identifier", run: `edit ${badge}` },
        ...keys(pin),
        { trigger: ".o_mes_kiosk_signin_button:enabled", run: "click" },
        { trigger: ".o_mes_kiosk_operator.active" },
    ];
}

/** An operator runs the moulding work order from start to finish on the tablet. */
registry.category("web_tour.tours").add("mes_kiosk_run_workorder", {
    steps: () => [
        ...signIn("BADGE-OLGA", "4711"),
        { trigger: ".o_mes_kiosk_card:contains(Moulding)", run: "click" },
        { trigger: ".o_mes_kiosk_start", run: "click" },
        // instruction
        { trigger: ".o_mes_kiosk_step[data-step-type=instruction] .o_mes_kiosk_confirm", run: "click" },
        // material: the resin lot, wrong first (refused in words), then the right one
        { trigger: ".o_mes_kiosk_step[data-step-type=material] .o_mes_kiosk_scan", run: "edit RES-404" },
        { trigger: ".o_mes_kiosk_step[data-step-type=material] .o_mes_kiosk_confirm", run: "click" },
        { trigger: ".o_mes_kiosk_result.alert-danger:contains(RES-404)" },
        { trigger: ".o_mes_kiosk_step[data-step-type=material] .o_mes_kiosk_scan", run: "edit RES-001" },
        { trigger: ".o_mes_kiosk_step[data-step-type=material] .o_mes_kiosk_confirm", run: "click" },
        // measurement: live feedback, red out of limits, green within
        ...keys("250"),
        { trigger: ".o_mes_kiosk_value.o_mes_feedback_out" },
        key("back"),
        key("back"),
        key("back"),
        ...keys("231.5"),
        { trigger: ".o_mes_kiosk_value.o_mes_feedback_in" },
        { trigger: ".o_mes_kiosk_step[data-step-type=measurement] .o_mes_kiosk_confirm:enabled", run: "click" },
        // equipment
        { trigger: ".o_mes_kiosk_step[data-step-type=equipment] .o_mes_kiosk_scan", run: "edit MOULD-07" },
        { trigger: ".o_mes_kiosk_step[data-step-type=equipment] .o_mes_kiosk_confirm", run: "click" },
        { trigger: ".o_mes_kiosk_finish", run: "click" },
        { trigger: ".o_mes_kiosk_queue" },
    ],
});
