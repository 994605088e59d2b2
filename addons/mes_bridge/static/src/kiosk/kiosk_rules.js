import { _t } from "@web/core/l10n/translation";

/**
 * The checks the kiosk makes itself: live limit feedback while a value is typed, and, while
 * the server cannot be reached, material and equipment scans against the work order's
 * snapshot. The server judges every result again when it arrives.
 */

/** Green / amber / red for a value typed against a step's limits. */
export function limitFeedback(step, raw) {
    const text = String(raw ?? "").trim().replace(",", ".");
    if (!text) {
        return { level: "none", message: "" };
    }
    const value = Number(text);
    if (!Number.isFinite(value)) {
        return { level: "invalid", message: _t("Not a number") };
    }
    const factor = 10 ** Math.max(step.decimals || 0, 0);
    const rounded = Math.round(value * factor) / factor;
    const lower = ["range", "min"].includes(step.limit_kind) ? step.lower : null;
    const upper = ["range", "max"].includes(step.limit_kind) ? step.upper : null;
    if ((lower !== null && rounded < lower) || (upper !== null && rounded > upper)) {
        return { level: "out", message: _t("Out of limits: %(spec)s", { spec: step.specification }) };
    }
    // amber: within the last tenth of the band
    if (lower !== null && upper !== null && upper > lower) {
        const margin = (upper - lower) / 10;
        if (rounded < lower + margin || rounded > upper - margin) {
            return { level: "near", message: _t("Near a limit") };
        }
    }
    return { level: "in", message: _t("Within limits") };
}

/** The lot a scan names: a plain lot number or the (10) / (21) of a GS1 human-readable. */
export function lotFromScan(code) {
    const text = String(code || "").trim();
    const gs1 = text.match(/\((?:10|21)\)([^(]+)/);
    return gs1 ? gs1[1].trim() : text;
}

/** A material scan judged against the snapshot: {accepted, message}. */
export function judgeMaterial(step, code) {
    const material = step.material || {};
    const text = String(code || "").trim();
    if (material.tracking === "none") {
        return material.codes.includes(text)
            ? { accepted: true, message: "" }
            : { accepted: false, message: _t('"%(code)s" is not %(product)s.', { code: text, product: material.product }) };
    }
    const name = lotFromScan(text);
    const lot = (material.lots || []).find((l) => l.name === name);
    if (!lot) {
        return { accepted: false, message: _t("Lot %(lot)s is not known for %(product)s.", { lot: name, product: material.product }) };
    }
    if (lot.expiry && new Date(lot.expiry.replace(" ", "T") + "Z") <= new Date()) {
        return { accepted: false, message: _t("Lot %(lot)s of %(product)s has expired.", { lot: name, product: material.product }) };
    }
    if (lot.state !== "released") {
        return { accepted: false, message: _t("Lot %(lot)s of %(product)s is not released for use.", { lot: name, product: material.product }) };
    }
    return { accepted: true, message: "" };
}

/** An equipment scan judged against the snapshot: {accepted, message}. */
export function judgeEquipment(step, code) {
    const equipment = step.equipment || {};
    const text = String(code || "").trim();
    if (equipment.expected && text.toLowerCase() !== equipment.expected.trim().toLowerCase()) {
        return { accepted: false, message: _t('Equipment "%(code)s" is not the equipment this step requires (%(expected)s).', { code: text, expected: equipment.expected }) };
    }
    const why = (equipment.unusable || {})[text.toLowerCase()];
    if (why) {
        return { accepted: false, message: why };
    }
    return { accepted: true, message: "" };
}
