import { Message } from "@mail/core/common/message_model";

import { patch } from "@web/core/utils/patch";

patch(Message.prototype, {
    setup() {
        super.setup(...arguments);
        /** @type {{state: "queued"|"sent"|"failed", error: string|false, channel: string}|false} */
        this.cskh_channel_delivery = false;
    },
});
