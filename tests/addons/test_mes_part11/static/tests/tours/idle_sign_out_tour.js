import { registry } from "@web/core/registry";

/**
 * A user leaves the back office open without touching it: once the server has signed the
 * session out, the web client shows the sign-in page instead of the data left on screen.
 */
registry.category("web_tour.tours").add("mes_part11_idle_sign_out", {
    steps: () => [
        {
            content: "The back office is open; the user clicks once, then leaves",
            trigger: ".o_main_navbar",
            run: "click",
            // the idle sign-out takes the page away
            expectUnloadPage: true,
        },
        {
            content: "Left alone, it turns into the sign-in page",
            trigger: "form.oe_login_form input[name='login']",
            timeout: 30000,
        },
    ],
});
