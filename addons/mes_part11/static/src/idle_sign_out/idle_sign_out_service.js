import { browser } from "@web/core/browser/browser";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { session } from "@web/session";

// how often the client tells the server whether there was input (the server decides;
// session info gives the database's setting)
export const POLL_SECONDS = 30;
const INPUT_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "scroll"];

/**
 * Idle sign-out of the back office (company setting). The server keeps each session's last
 * activity and signs out a session idle for longer than allowed; this service reports the
 * user's input (typing in an unsaved form sends no request otherwise) and, once the server
 * has signed the session out, shows the sign-in page instead of the data left on screen.
 */
export const idleSignOutService = {
    start() {
        const minutes = session.mes_idle_sign_out_minutes;
        if (!minutes) {
            return;
        }
        let lastInput = Date.now();
        let lastReport = Date.now();
        const onInput = () => {
            lastInput = Date.now();
        };
        for (const type of INPUT_EVENTS) {
            browser.addEventListener(type, onInput, { capture: true, passive: true });
        }
        const signIn = () => {
            const here = browser.location.pathname + browser.location.search + browser.location.hash;
            browser.location.href = `/web/login?redirect=${encodeURIComponent(here)}`;
        };
        browser.setInterval(async () => {
            const active = lastInput > lastReport;
            const now = Date.now();
            try {
                await rpc("/mes/session/idle", { active }, { silent: true });
                if (active) {
                    lastReport = now;
                }
            } catch (error) {
                if (error?.data?.name === "odoo.http.SessionExpiredException" ||
                    error?.exceptionName === "odoo.http.SessionExpiredException") {
                    signIn();
                }
                // anything else (server restarting, network): ask again at the next poll
            }
        }, (session.mes_idle_poll_seconds || POLL_SECONDS) * 1000);
    },
};

registry.category("services").add("mes_idle_sign_out", idleSignOutService);
