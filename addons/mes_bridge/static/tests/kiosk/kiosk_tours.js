import { registry } from "@web/core/registry";

function key(k) {
    return { trigger: `.o_mes_key[data-key="${k}"]`, run: "click" };
}

function keys(text) {
    return [...text].map(key);
}

/** Touch first: every control on screen is at least 48 x 48 px. */
export function touchTargets(where) {
    return {
        content: `touch targets of ${where} are at least 48 px`,
        trigger: ".o_mes_kiosk",
        run: () => {
            const small = [...document.querySelectorAll(".o_mes_kiosk :is(button, input, select, textarea, a.btn)")]
                .filter((el) => el.offsetParent !== null && el.type !== "hidden")
                .map((el) => [el, el.getBoundingClientRect()])
                .filter(([, rect]) => rect.height < 48 || rect.width < 48)
                .map(([el, rect]) => `${el.className} ${Math.round(rect.width)}x${Math.round(rect.height)}`);
            if (small.length) {
                throw new Error(`controls smaller than 48 px on ${where}: ${small.join("; ")}`);
            }
        },
    };
}

/** The step's instruction document: opened, its page drawn (not blank), closed. */
export function readDocument(name) {
    return [
        { trigger: `.o_mes_kiosk_document_open:contains(${name})`, run: "click" },
        { trigger: ".o_mes_kiosk_document_pages:contains(1 page)" },
        touchTargets("the document"),
        {
            content: "the page is drawn, not blank",
            trigger: ".o_mes_kiosk_document_page[data-page='1']",
            run: () => {
                const canvas = document.querySelector(".o_mes_kiosk_document_page[data-page='1']");
                const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
                if (!pixels.some((value, index) => index % 4 !== 3 && value < 128)) {
                    throw new Error("the document page is blank");
                }
            },
        },
        { trigger: ".o_mes_kiosk_document_close", run: "click" },
        { trigger: ".o_mes_kiosk_step:not(:has(.o_mes_kiosk_document:not(.d-none)))" },
    ];
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
        { trigger: ".o_mes_kiosk_identifier" },
        touchTargets("the sign-in"),
        ...signIn("BADGE-OLGA", "4711"),
        { trigger: ".o_mes_kiosk_card:contains(Moulding)" },
        touchTargets("the queue"),
        { trigger: ".o_mes_kiosk_card:contains(Moulding)", run: "click" },
        { trigger: ".o_mes_kiosk_start", run: "click" },
        { trigger: ".o_mes_kiosk_pause" },
        touchTargets("the work order"),
        { trigger: ".o_mes_kiosk_pause", run: "click" },
        { trigger: ".o_mes_kiosk_pause_confirm" },
        touchTargets("the pause panel"),
        { trigger: ".o_mes_kiosk_andon_button", run: "click" },
        { trigger: ".o_mes_kiosk_andon_confirm" },
        touchTargets("the andon panel"),
        { trigger: ".o_mes_kiosk_panel_cancel", run: "click" },
        { trigger: ".o_mes_kiosk_workorder:not(:has(.o_mes_kiosk_panel))" },
        // instruction, with its document
        ...readDocument("WI-MOULD-01.pdf"),
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
            content: "the kiosk kept the work order's instruction document and the PDF reader",
            trigger: ".o_mes_kiosk_step[data-step-type=instruction]",
            run: async () => {
                await waitFor(async () => {
                    const cache = await caches.open("mes-kiosk-v1");
                    const urls = (await cache.keys()).map((request) => request.url);
                    return urls.some((url) => url.includes("/mes/kiosk/document/")) && urls.some((url) => url.endsWith("/pdf.worker.js"));
                });
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
        // the instruction document opens offline, from the tablet's copy
        ...readDocument("WI-MOULD-01.pdf"),
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
        touchTargets("the sign-in"),
        ...signIn("BADGE-0001", "2580"),
        { trigger: ".o_mes_kiosk_queue h1:contains(工单)" },
        touchTargets("the queue"),
        { trigger: ".o_mes_kiosk_card", run: "click" },
        { trigger: ".o_mes_kiosk_workorder .o_mes_kiosk_steps li" },
        touchTargets("the work order"),
    ],
});
