import { registry } from "@web/core/registry";

/**
 * A QA reviewer opens the genealogy of a resin lot from its form, switches to the forward
 * trace and unfolds it down to the finished device; lots are coloured by release status.
 */
registry.category("web_tour.tours").add("mes_bridge_genealogy", {
    steps: () => [
        {
            content: "Open the genealogy from the lot form",
            trigger: ".o_form_view button[name='action_mes_genealogy']",
            run: "click",
        },
        {
            content: "The backward trace of a raw-material lot is the lot itself",
            trigger: ".o_mes_genealogy h4:contains('backward')",
        },
        {
            content: "Switch to the forward trace",
            trigger: ".o_mes_genealogy_forward",
            run: "click",
        },
        {
            content: "The barrel lot made from it shows, red because it is on hold",
            trigger: ".o_mes_genealogy_node .badge.text-bg-danger:contains('BRL-T1')",
        },
        {
            content: "The finished device is not shown until the barrel is unfolded",
            trigger: ".o_mes_genealogy:not(:has(.o_mes_genealogy_lot:contains('SYR-T1')))",
        },
        {
            content: "Unfold the barrel lot",
            trigger: ".o_mes_genealogy_node:has(> div .o_mes_genealogy_lot:contains('BRL-T1')) > div .o_mes_genealogy_toggle",
            run: "click",
        },
        {
            content: "The finished device lot, with its delivery",
            trigger: ".o_mes_genealogy_node:contains('SYR-T1'):contains('St. Mary Hospital')",
        },
    ],
});
