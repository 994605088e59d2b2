import { _t } from "@web/core/l10n/translation";
import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const STATE_CLASS = {
    released: "text-bg-success",
    quarantine: "text-bg-warning",
    on_hold: "text-bg-danger",
    rejected: "text-bg-dark",
};

/** One lot in the tree; children are rendered only once unfolded (DAGs stay small). */
export class GenealogyNode extends Component {
    static template = "mes_bridge.GenealogyNode";
    static components = {};
    static props = ["node", "tree", "ancestors", "depth"];

    setup() {
        this.state = useState({ open: this.props.depth < 1 });
    }
    get children() {
        const ids = this.props.tree.children[this.props.node.lot_id] || [];
        return ids
            .filter((id) => !this.props.ancestors.includes(id))
            .map((id) => this.props.tree.nodes[id])
            .filter(Boolean);
    }
    get hasChildren() {
        return this.children.length > 0;
    }
    get stateClass() {
        return STATE_CLASS[this.props.node.release_state] || "text-bg-secondary";
    }
    get onHand() {
        return this.props.node.on_hand.reduce((sum, s) => sum + s.qty, 0);
    }
    get delivered() {
        return this.props.node.delivered.reduce((sum, d) => sum + d.qty, 0);
    }
    toggle() {
        this.state.open = !this.state.open;
    }
    openRecord(model, id) {
        this.props.tree.open(model, id);
    }
}
GenealogyNode.components = { GenealogyNode };

export class Genealogy extends Component {
    static template = "mes_bridge.Genealogy";
    static components = { Layout, GenealogyNode };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        const params = this.props.action.params || {};
        this.lotId = params.lot_id;
        this.state = useState({ direction: params.direction || "backward", trace: null, key: 0 });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.trace = await this.orm.call("stock.lot", "mes_trace", [[this.lotId]], {
            direction: this.state.direction,
        });
        this.state.key++;
    }

    async setDirection(direction) {
        if (direction !== this.state.direction) {
            this.state.direction = direction;
            await this.load();
        }
    }

    get tree() {
        const trace = this.state.trace;
        const nodes = {};
        for (const node of trace.nodes) {
            nodes[node.lot_id] = node;
        }
        const children = {};
        for (const edge of trace.edges) {
            const [parent, child] =
                trace.direction === "forward"
                    ? [edge.from_lot_id, edge.to_lot_id]
                    : [edge.to_lot_id, edge.from_lot_id];
            (children[parent] ||= []).includes(child) || children[parent].push(child);
        }
        return {
            nodes,
            children,
            open: (model, id) =>
                this.action.doAction({
                    type: "ir.actions.act_window",
                    res_model: model,
                    res_id: id,
                    views: [[false, "form"]],
                }),
        };
    }

    get root() {
        return this.tree.nodes[this.lotId];
    }

    get title() {
        return this.state.direction === "forward"
            ? _t("Where it went (forward)")
            : _t("What went into it (backward)");
    }
}

registry.category("actions").add("mes_genealogy", Genealogy);
