import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { patch } from "@web/core/utils/patch";
import { Record } from "@web/model/relational_model/record";
import { session } from "@web/session";

/** Asks why GxP data changes (a change reason rule covers the fields being saved). */
export class MesChangeReasonDialog extends Component {
    static template = "mes_part11.ChangeReasonDialog";
    static components = { Dialog };
    static props = { close: Function, fields: String, confirm: Function };

    setup() {
        this.state = useState({ reason: "", missing: false });
    }

    confirm() {
        const reason = this.state.reason.trim();
        if (!reason) {
            this.state.missing = true;
            return;
        }
        this.props.confirm(reason);
        this.props.close();
    }
}

function askReason(dialog, fields) {
    return new Promise((resolve) => {
        let given = null;
        dialog.add(
            MesChangeReasonDialog,
            { fields, confirm: (reason) => (given = reason) },
            { onClose: () => resolve(given) }
        );
    });
}

/**
 * A record whose covered fields changed asks for the reason before it is saved, and hands
 * it to the server in the save's context (``mes_change_reason``). The server refuses such a
 * change without one whoever sends it: this is the form's way of giving it.
 */
patch(Record.prototype, {
    async _save(options = {}) {
        const covered = session.mes_change_reason_fields?.[this.resModel];
        if (!covered || !this.resId || this.context.mes_change_reason) {
            return super._save(...arguments);
        }
        const changed = Object.keys(this._getChanges()).filter((f) => covered.includes(f));
        if (!changed.length) {
            return super._save(...arguments);
        }
        if (this.model._urgentSave) {
            // the page is closing: no dialog can ask, so the browser keeps the page instead
            return false;
        }
        if (!this._checkValidity({ displayNotification: true })) {
            return false;
        }
        const labels = changed.map((f) => this.fields[f]?.string || f).join(", ");
        const reason = await askReason(this.model.dialog, labels);
        if (!reason) {
            return false;
        }
        const context = this._config.context;
        this._config.context = { ...context, mes_change_reason: reason };
        try {
            return await super._save(...arguments);
        } finally {
            this._config.context = context;
        }
    },
});
