/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html). */
import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// The same settlement as tests/data/amazon_settlement_fr.txt (total 68,01 EUR).
const SETTLEMENT = "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\tmarketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\tposted-date\tposted-date-time\torder-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\tpromotion-id\n11223344556\t01.03.2026 00:00:00 UTC\t15.03.2026 00:00:00 UTC\t17.03.2026 00:00:00 UTC\t68,01\tEUR\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n11223344556\t\t\t\t\t\tOrder\t402-1111111-1111111\t\t\t\tAmazon.fr\tItemPrice\tPrincipal\t59,88\tAFN\t05.03.2026\t05.03.2026 10:11:12 UTC\t11111111111111\t\t\tML-LAMP-001\t1\t\n11223344556\t\t\t\t\t\tOrder\t402-1111111-1111111\t\t\t\tAmazon.fr\tItemPrice\tShipping\t4,90\tAFN\t05.03.2026\t05.03.2026 10:11:12 UTC\t11111111111111\t\t\tML-LAMP-001\t1\t\n11223344556\t\t\t\t\t\tOrder\t402-1111111-1111111\t\t\t\tAmazon.fr\tItemFees\tCommission\t-9,72\tAFN\t05.03.2026\t05.03.2026 10:11:12 UTC\t11111111111111\t\t\tML-LAMP-001\t1\t\n11223344556\t\t\t\t\t\tOrder\t402-1111111-1111111\t\t\t\tAmazon.fr\tItemFees\tFBAPerUnitFulfillmentFee\t-4,35\tAFN\t05.03.2026\t05.03.2026 10:11:12 UTC\t11111111111111\t\t\tML-LAMP-001\t1\t\n11223344556\t\t\t\t\t\tOrder\t402-2222222-2222222\t\t\t\tAmazon.fr\tItemPrice\tPrincipal\t59,76\tAFN\t06.03.2026\t06.03.2026 08:00:00 UTC\t22222222222222\t\t\tML-DECO-002\t2\t\n11223344556\t\t\t\t\t\tOrder\t402-2222222-2222222\t\t\t\tAmazon.fr\tItemFees\tCommission\t-8,96\tAFN\t06.03.2026\t06.03.2026 08:00:00 UTC\t22222222222222\t\t\tML-DECO-002\t2\t\n11223344556\t\t\t\t\t\tOrder\t402-2222222-2222222\t\t\t\tAmazon.fr\tItemFees\tFBAPerUnitFulfillmentFee\t-7,20\tAFN\t06.03.2026\t06.03.2026 08:00:00 UTC\t22222222222222\t\t\tML-DECO-002\t2\t\n11223344556\t\t\t\t\t\tRefund\t402-3333333-3333333\t\t55555555555\t\tAmazon.fr\tItemPrice\tPrincipal\t-10,00\tAFN\t09.03.2026\t09.03.2026 14:30:00 UTC\t\t\t\tML-GARD-006\t1\t\n11223344556\t\t\t\t\t\tRefund\t402-3333333-3333333\t\t55555555555\t\tAmazon.fr\tItemFees\tCommission\t1,50\tAFN\t09.03.2026\t09.03.2026 14:30:00 UTC\t\t\t\tML-GARD-006\t1\t\n11223344556\t\t\t\t\t\tRefund\t402-3333333-3333333\t\t55555555555\t\tAmazon.fr\tItemFees\tRefundCommission\t-0,30\tAFN\t09.03.2026\t09.03.2026 14:30:00 UTC\t\t\t\tML-GARD-006\t1\t\n11223344556\t\t\t\t\t\tServiceFee\t\t\t\t\t\tCost of Advertising\tTransactionTotalAmount\t-12,40\t\t10.03.2026\t10.03.2026 00:00:00 UTC\t\t\t\t\t\t\n11223344556\t\t\t\t\t\tother-transaction\t\t\t\t\t\tother-transaction\tCurrent Reserve Amount\t-25,00\t\t15.03.2026\t15.03.2026 00:00:00 UTC\t\t\t\t\t\t\n11223344556\t\t\t\t\t\tother-transaction\t\t\t\t\t\tother-transaction\tPrevious Reserve Amount Balance\t20,00\t\t01.03.2026\t01.03.2026 00:00:00 UTC\t\t\t\t\t\t\n11223344556\t\t\t\t\t\tother-transaction\t\t\t\t\t\tother-transaction\tBrand New Fee Type\t-0,10\t\t12.03.2026\t12.03.2026 00:00:00 UTC\t\t\t\t\t\t\n";

function dropFile(selector, name, text) {
    const input = document.querySelector(selector);
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], name, {type: "text/plain"}));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", {bubbles: true}));
}

registry.category("web_tour.tours").add("marketplace_connectors_import_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketplace Cash application",
            trigger: '.o_app[data-menu-xmlid="marketplace_connectors.menu_root"]',
            run: "click",
        },
        {
            content: "Open the Configuration menu",
            trigger:
                '.o_menu_sections [data-menu-xmlid="marketplace_connectors.menu_configuration"]',
            run: "click",
        },
        {
            content: "Open the channels",
            trigger:
                '.dropdown-item[data-menu-xmlid="marketplace_connectors.marketplace_channel_menu"]',
            run: "click",
        },
        {
            content: "Open the channel created by the test",
            trigger: '.o_list_view .o_data_cell:contains("Tour Amazon.fr")',
            run: "click",
        },
        {
            content: "Start an import from the channel",
            trigger: '.o_form_view button[name="action_import_files"]',
            run: "click",
        },
        {
            content: "Drop the settlement file",
            trigger: '.modal .o_field_many2many_binary input[type="file"]:not(:visible)',
            run() {
                dropFile(
                    '.modal .o_field_many2many_binary input[type="file"]',
                    "settlement-11223344556.txt",
                    SETTLEMENT
                );
            },
        },
        {
            content: "The file is attached",
            trigger: '.modal .o_attachment:contains("settlement-11223344556")',
        },
        {
            content: "Preview it",
            trigger: '.modal button[name="action_preview"]',
            run: "click",
        },
        {
            content: "The preview shows the payout, balanced, with its 14 lines",
            trigger:
                '.modal .o_data_row:contains("11223344556"):contains("68.01"):contains("14")',
        },
        {
            content: "Import it",
            trigger: '.modal button[name="action_import"]',
            run: "click",
        },
        {
            content: "The import is done",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Imported")',
        },
        {
            content: "Its payout is listed, balanced",
            trigger: '.o_form_view .o_field_widget[name="payout_ids"] .o_data_row:contains("11223344556"):contains("68.01")',
        },
        {
            content: "Open the Ledger menu",
            trigger: '.o_menu_sections [data-menu-xmlid="marketplace_connectors.menu_ledger"]',
            run: "click",
        },
        {
            content: "Open the payouts",
            trigger:
                '.dropdown-item[data-menu-xmlid="marketplace_connectors.marketplace_payout_menu"]',
            run: "click",
        },
        {
            content: "Open the imported payout",
            trigger: '.o_list_view .o_data_cell:contains("11223344556")',
            run: "click",
        },
        {
            content: "The payout opens balanced",
            trigger: '.o_form_view .ribbon:contains("Balanced")',
        },
        {
            content: "with its totals by category",
            trigger:
                '.o_field_widget[name="category_total_ids"] .o_data_row:contains("Commission"):contains("18.68")',
        },
    ],
});
