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
        { trigger: ".o_mes_kiosk_pause" },
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

async function waitFor(condition, timeout = 15000) {
    const start = Date.now();
    while (!(await condition())) {
        if (Date.now() - start > timeout) {
            throw new Error("condition not met in time");
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

/**
 * Offline: the network is cut through the DevTools protocol (the test answers the console
 * line "mes-kiosk-network:offline"), three steps are recorded and queued, the page is
 * reloaded while still offline, the network comes back and the queue is replayed.
 */
registry.category("web_tour.tours").add("mes_kiosk_offline", {
    steps: () => [
        ...signIn("BADGE-OLGA", "4711"),
        { trigger: ".o_mes_kiosk_card:contains(Moulding)", run: "click" },
        { trigger: ".o_mes_kiosk_start", run: "click" },
        { trigger: ".o_mes_kiosk_pause" },
        { trigger: ".o_mes_kiosk_step[data-step-type=instruction]" },
        {
            content: "the service worker keeps the kiosk page for a reload offline",
            trigger: ".o_mes_kiosk_step[data-step-type=instruction]",
            run: async () => {
                await waitFor(async () => navigator.serviceWorker?.controller && (await caches.match("/mes/kiosk")));
            },
        },
        {
            content: "cut the network",
            trigger: ".o_mes_kiosk_step[data-step-type=instruction]",
            run: async () => {
                console.log("mes-kiosk-network:offline");
                await waitFor(() => !navigator.onLine);
            },
        },
        { trigger: ".o_mes_kiosk_step[data-step-type=instruction] .o_mes_kiosk_confirm", run: "click" },
        { trigger: ".o_mes_kiosk_offline_banner:contains(1 result)" },
        { trigger: ".o_mes_kiosk_step[data-step-type=material] .o_mes_kiosk_scan", run: "edit RES-001" },
        { trigger: ".o_mes_kiosk_step[data-step-type=material] .o_mes_kiosk_confirm", run: "click" },
        { trigger: ".o_mes_kiosk_offline_banner:contains(2 result)" },
        ...keys("231.5"),
        { trigger: ".o_mes_kiosk_step[data-step-type=measurement] .o_mes_kiosk_confirm:enabled", run: "click" },
        { trigger: ".o_mes_kiosk_offline_banner:contains(3 result)" },
        // a signature needs the server: the kiosk says so
        {
            content: "reload the page, still offline",
            trigger: ".o_mes_kiosk_step[data-step-type=equipment]",
            run: () => window.location.reload(),
            expectUnloadPage: true,
        },
        { trigger: ".o_mes_kiosk_offline_banner:contains(3 result)", timeout: 20000 },
        { trigger: ".o_mes_kiosk_operator.active:contains(Olga Operator)" },
        {
            content: "the network is back",
            trigger: ".o_mes_kiosk_offline_banner",
            run: () => console.log("mes-kiosk-network:online"),
        },
        {
            content: "the queue is replayed and emptied",
            trigger: ".o_mes_kiosk_header:not(:has(.o_mes_kiosk_offline_banner)):not(:has(.o_mes_kiosk_queued))",
            timeout: 30000,
        },
        { trigger: ".o_mes_kiosk_card:contains(Moulding)", run: "click" },
        { trigger: ".o_mes_kiosk_step[data-step-type=equipment]" },
    ],
});

/** The demo tablet in Chinese, portrait: the demo operator signs in with her badge and PIN,
 * sees the moulding and assembly queue in Chinese and opens a work order. */
registry.category("web_tour.tours").add("mes_kiosk_demo_zh", {
    steps: () => [
        { trigger: "h1:contains(登录)" },
        ...signIn("BADGE-0001", "2580"),
        { trigger: ".o_mes_kiosk_queue h1:contains(工单)" },
        { trigger: ".o_mes_kiosk_card", run: "click" },
        { trigger: ".o_mes_kiosk_workorder .o_mes_kiosk_steps li" },
    ],
});
