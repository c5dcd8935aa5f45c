import { registry } from "@web/core/registry";

/**
 * An agent answers a Zalo conversation from its ticket: the answer shows that it is
 * being sent on the channel, and the failed earlier answer shows the provider's refusal.
 */
registry.category("web_tour.tours").add("cskh_channel_reply_tour", {
    steps: () => [
        {
            content: "The answer the provider refused is marked",
            trigger: '.o-mail-Message:contains("Câu trả lời bị từ chối") .o-cskh-ChannelDelivery.text-danger:contains("Not delivered on")',
        },
        {
            content: "Answer the customer",
            trigger: ".o-mail-Chatter-sendMessage",
            run: "click",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "edit Dạ, shop mở cửa từ 8h đến 21h ạ.",
        },
        {
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The answer is being sent on Zalo",
            trigger: '.o-mail-Message:contains("Dạ, shop mở cửa từ 8h đến 21h ạ.") .o-cskh-ChannelDelivery:contains("Sending on Zalo OA Cửa hàng")',
        },
    ],
});
