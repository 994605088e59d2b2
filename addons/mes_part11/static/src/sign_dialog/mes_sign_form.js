import { registry } from "@web/core/registry";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

/**
 * The signing dialog. Login and password are never stored: the save that precedes a
 * button click reloads the dialog without them, so they are read before it and handed to
 * the button in its context (as `mes_login` / `mes_password`), checked and discarded by the
 * server within that request. A refusal reopens the dialog with its message.
 */
export class MesSignFormController extends FormController {
    async beforeExecuteActionButton(clickParams) {
        const { login, password } = this.model.root.data;
        const result = await super.beforeExecuteActionButton(...arguments);
        if (clickParams.name === "action_confirm" && clickParams.special !== "cancel") {
            // clickParams is a fresh object for each click: the values go no further
            clickParams.buttonContext = {
                ...(clickParams.buttonContext || {}),
                mes_login: login || "",
                mes_password: password || "",
            };
        }
        return result;
    }
}

registry.category("views").add("mes_sign_form", {
    ...formView,
    Controller: MesSignFormController,
});
