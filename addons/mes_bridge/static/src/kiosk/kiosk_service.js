import { reactive } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { ConnectionLostError, rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { KioskStorage } from "./kiosk_storage";
import { judgeEquipment, judgeMaterial } from "./kiosk_rules";

/** Operations a kiosk may queue while the server cannot be reached (no signature). */
const OFFLINE_OPERATIONS = ["record", "quantity"];
const PING_MS = 5000;

export class Offline extends Error {}

function clientId() {
    if (window.crypto?.randomUUID) {
        return window.crypto.randomUUID();
    }
    // not a secure context (plain http on the shop-floor network): still random
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The kiosk's state and its server calls. Every call in an operator's name sends that
 * operator's session token; results carry a client id, so a retry or a replay is applied
 * once. When the server cannot be reached, results that need no server decision are judged
 * against the work order's snapshot and queued in IndexedDB, then replayed in order.
 */
export class KioskModel {
    constructor(env, { bus }) {
        this.env = env;
        this.bus = bus;
        this.storage = new KioskStorage();
        this.state = reactive({
            ready: false,
            device: null,
            deviceError: "",
            online: true,
            replaying: false,
            queuedCount: 0,
            operators: [],
            activeId: null,
            screen: "signin",
            workorders: [],
            workorder: null,
            notice: null,
            refusals: [],
        });
        this._pingTimer = null;
    }

    get operator() {
        return this.state.operators.find((o) => o.session_id === this.state.activeId) || null;
    }

    // -- server calls ----------------------------------------------------------------------
    async call(route, params = {}) {
        let answer;
        try {
            answer = await rpc(`/mes/kiosk/api/${route}`, params, { silent: true });
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                this._goOffline();
                throw new Offline();
            }
            throw error;
        }
        this._goOnline();
        if (answer && answer.error) {
            this._handleRefusal(answer.error);
        }
        return answer;
    }

    _handleRefusal(error) {
        if (error.code === "device") {
            this.state.device = null;
            this.state.deviceError = error.message;
            this.state.operators = [];
            this.state.screen = "device";
        } else if (error.code === "session") {
            const gone = this.operator;
            if (gone) {
                this._dropOperator(gone.session_id);
                this.notify(error.message, "warning");
            }
        }
    }

    notify(message, type = "info") {
        this.state.notice = { message, type, id: Date.now() };
    }

    // -- start -------------------------------------------------------------------------------
    async start() {
        await this.storage.open();
        this.state.operators = await this.storage.all("operators");
        this.state.activeId = this.state.operators[0]?.session_id || null;
        await this._countQueue();
        try {
            const device = await this.call("device");
            if (!device.error) {
                this.state.device = device;
                await this.storage.put("meta", { key: "device", value: device });
                this._listen(device);
            }
        } catch (error) {
            if (!(error instanceof Offline)) {
                throw error;
            }
            this.state.device = (await this.storage.get("meta", "device"))?.value || null;
        }
        if (this.state.device) {
            this.state.screen = this.operator ? "queue" : "signin";
            if (this.operator) {
                await this.loadQueue();
            }
            if (this.state.online && this.state.queuedCount) {
                await this.replay();
            }
        }
        this.state.ready = true;
    }

    _listen(device) {
        if (!this.bus) {
            return;
        }
        this.bus.addChannel(device.channel);
        this.bus.subscribe("mes_kiosk/workorders", ({ ids }) => this._onWorkordersChanged(ids));
        this.bus.subscribe("mes_kiosk/revoked", () =>
            this._handleRefusal({ code: "device", message: _t("This tablet was revoked.") })
        );
    }

    async _onWorkordersChanged(ids) {
        if (!this.operator || !this.state.online) {
            return;
        }
        if (this.state.workorder && ids.includes(this.state.workorder.id)) {
            await this.openWorkorder(this.state.workorder.id);
        } else if (this.state.screen === "queue") {
            await this.loadQueue();
        }
    }

    // -- operators ---------------------------------------------------------------------------
    async signIn(identifier, pin) {
        const answer = await this.call("sign_in", { identifier, pin });
        if (answer.error) {
            return answer.error.message;
        }
        const operator = {
            key: String(answer.session_id),
            session_id: answer.session_id,
            token: answer.token,
            name: answer.operator.name,
            user_id: answer.operator.id,
            lastActivity: Date.now(),
        };
        this.state.operators = [
            ...this.state.operators.filter((o) => o.user_id !== operator.user_id),
            operator,
        ];
        await this.storage.put("operators", { ...operator });
        this.state.activeId = operator.session_id;
        this.state.screen = "queue";
        await this.loadQueue();
        return "";
    }

    switchTo(sessionId) {
        this.state.activeId = sessionId;
        this.state.workorder = null;
        this.state.screen = "queue";
        this.loadQueue();
    }

    async signOut() {
        const operator = this.operator;
        if (!operator) {
            return;
        }
        try {
            await this.call("sign_out", { token: operator.token });
        } catch (error) {
            if (!(error instanceof Offline)) {
                throw error;
            }
        }
        this._dropOperator(operator.session_id);
    }

    _dropOperator(sessionId) {
        this.state.operators = this.state.operators.filter((o) => o.session_id !== sessionId);
        this.storage.delete("operators", String(sessionId));
        if (this.state.activeId === sessionId) {
            this.state.activeId = this.state.operators[0]?.session_id || null;
            this.state.workorder = null;
            this.state.screen = this.state.activeId ? "queue" : "signin";
        }
    }

    touch() {
        const operator = this.operator;
        if (operator) {
            operator.lastActivity = Date.now();
        }
    }

    /** Signs out operators idle longer than the company allows (the server does too). */
    checkIdle() {
        const minutes = this.state.device?.idle_minutes;
        if (!minutes) {
            return;
        }
        for (const operator of [...this.state.operators]) {
            if (Date.now() - (operator.lastActivity || 0) > minutes * 60000) {
                this._dropOperator(operator.session_id);
                this.notify(_t("%(name)s was signed out after %(minutes)s minutes without activity.", { name: operator.name, minutes }), "warning");
            }
        }
    }

    // -- work ----------------------------------------------------------------------------------
    async loadQueue() {
        const operator = this.operator;
        if (!operator) {
            return;
        }
        try {
            const answer = await this.call("queue", { token: operator.token });
            if (!answer.error) {
                this.state.workorders = answer.workorders;
                await this.storage.put("meta", { key: "queue", value: answer.workorders });
            }
        } catch (error) {
            if (!(error instanceof Offline)) {
                throw error;
            }
            this.state.workorders = (await this.storage.get("meta", "queue"))?.value || [];
        }
    }

    async openWorkorder(id) {
        const operator = this.operator;
        let detail = null;
        try {
            detail = await this.call("workorder", { token: operator.token, workorder_id: id });
            if (detail.error) {
                this.notify(detail.error.message, "danger");
                return;
            }
            await this.storage.put("workorders", { key: String(id), value: detail });
            this.keepDocuments(detail);
        } catch (error) {
            if (!(error instanceof Offline)) {
                throw error;
            }
            detail = (await this.storage.get("workorders", String(id)))?.value;
            if (!detail) {
                this.notify(_t("This work order was not opened while the server could be reached: it cannot be worked on offline."), "warning");
                return;
            }
        }
        this.state.workorder = detail;
        this.state.screen = "workorder";
    }

    /** The kiosk's service worker keeps the work order's instruction documents (and the PDF
     * reader), so that they open while the server cannot be reached. */
    keepDocuments(detail) {
        const urls = detail.steps.filter((step) => step.document).map((step) => step.document.url);
        if (!urls.length || !("serviceWorker" in navigator) || !window.isSecureContext) {
            return;
        }
        urls.push("/web/static/lib/pdfjs/build/pdf.js", "/web/static/lib/pdfjs/build/pdf.worker.js");
        navigator.serviceWorker.ready
            .then((registration) => registration.active?.postMessage({ urlsToCache: urls }))
            .catch(() => undefined);
    }

    closeWorkorder() {
        this.state.workorder = null;
        this.state.screen = "queue";
        this.loadQueue();
    }

    /**
     * Send one action; offline, queue what may be queued. Returns the outcome
     * ({accepted, message, ...}).
     */
    async act(operation, payload = {}, step = null) {
        const operator = this.operator;
        const workorder = this.state.workorder;
        this.touch();
        const item = {
            client_id: clientId(),
            operation,
            workorder_id: workorder.id,
            step_id: step ? step.id : false,
            payload,
        };
        try {
            const outcome = await this.call("act", { token: operator.token, item });
            if (outcome.error) {
                return { accepted: false, message: outcome.error.message };
            }
            await this.openWorkorder(workorder.id);
            return outcome;
        } catch (error) {
            if (!(error instanceof Offline)) {
                throw error;
            }
            return this._queueOffline(item, operator, step);
        }
    }

    async _queueOffline(item, operator, step) {
        if (!OFFLINE_OPERATIONS.includes(item.operation) || (step && !step.offline)) {
            return {
                accepted: false,
                message: _t("The server cannot be reached: this needs it (signatures, starting and finishing work). Try again when the kiosk is back online."),
            };
        }
        let verdict = { accepted: true, message: "" };
        if (step?.type === "material") {
            verdict = judgeMaterial(step, item.payload.code);
        } else if (step?.type === "equipment") {
            verdict = judgeEquipment(step, item.payload.code);
        }
        // queued either way: a refused scan is part of the record, as online
        Object.assign(item, {
            session_id: operator.session_id,
            operator: operator.name,
            client_time: new Date().toISOString(),
            sequence: await this.storage.nextSequence(),
        });
        await this.storage.put("queue", item);
        await this._countQueue();
        if (step && verdict.accepted) {
            this._applyLocally(step, item);
        }
        return {
            accepted: verdict.accepted,
            queued: true,
            message: verdict.message || _t("Saved on this tablet: it is sent when the server can be reached."),
        };
    }

    async _applyLocally(step, item) {
        const workorder = this.state.workorder;
        const local = workorder.steps.find((s) => s.id === step.id);
        Object.assign(local, {
            state: "done",
            result: item.payload.passed === false ? "fail" : "pass",
            value: item.payload.value || item.payload.code || false,
            operator: this.operator?.name,
            queued: true,
        });
        const next = workorder.steps.find((s) => s.state === "pending");
        workorder.next_step_id = next ? next.id : false;
        workorder.steps_done = workorder.steps.filter((s) => s.state === "done").length;
        await this.storage.put("workorders", { key: String(workorder.id), value: JSON.parse(JSON.stringify(workorder)) });
    }

    async _countQueue() {
        this.state.queuedCount = (await this.storage.all("queue")).length;
    }

    // -- offline -------------------------------------------------------------------------------
    _goOffline() {
        if (this.state.online) {
            this.state.online = false;
            this._pingTimer = setInterval(() => this._ping(), PING_MS);
        }
    }

    _goOnline() {
        if (!this.state.online) {
            this.state.online = true;
            clearInterval(this._pingTimer);
            this._pingTimer = null;
            this.replay();
        }
    }

    async _ping() {
        try {
            await this.call("device");
        } catch {
            // still offline: the next ping tries again
        }
    }

    /** Send the queued results, in the order they were recorded; each is applied once. */
    async replay() {
        if (this.state.replaying) {
            return;
        }
        const items = await this.storage.queued();
        if (!items.length) {
            return;
        }
        this.state.replaying = true;
        try {
            const answer = await this.call("replay", { items });
            if (answer.error) {
                return;
            }
            for (const result of answer.results) {
                const item = items.find((i) => i.client_id === result.client_id);
                await this.storage.delete("queue", result.client_id);
                if (!result.accepted) {
                    this.state.refusals.push({
                        client_id: result.client_id,
                        operator: item?.operator,
                        message: result.message,
                    });
                }
            }
            await this._countQueue();
            if (this.state.workorder) {
                await this.openWorkorder(this.state.workorder.id);
            } else if (this.operator) {
                await this.loadQueue();
            }
        } catch (error) {
            if (!(error instanceof Offline)) {
                throw error;
            }
        } finally {
            this.state.replaying = false;
        }
    }
}

export const kioskService = {
    dependencies: ["bus_service"],
    start(env, { bus_service }) {
        return new KioskModel(env, { bus: bus_service });
    },
};

registry.category("services").add("mes_kiosk", kioskService);
