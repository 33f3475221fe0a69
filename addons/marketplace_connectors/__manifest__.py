# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "Marketplace Connectors",
    "summary": "Marketplace and payment-provider settlements, orders and payouts "
    "in one normalized, idempotent ledger",
    "version": "18.0.1.0.0",
    "category": "Sales",
    "license": "LGPL-3",
    "author": "Marketplace Cash Control",
    "website": "https://github.com/marketplace-cash-control/marketplace-cash",
    "maintainers": ["marketplace-cash-control"],
    "development_status": "Alpha",
    "depends": ["sale_management", "stock", "account", "mail", "queue_job"],
    "external_dependencies": {"python": ["openpyxl", "requests"]},
    "data": [
        "security/marketplace_connectors_security.xml",
        "security/ir.model.access.csv",
        "data/marketplace_data.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/marketplace_menus.xml",
        "views/marketplace_payout_views.xml",
        "views/marketplace_transaction_views.xml",
        "views/marketplace_import_batch_views.xml",
        "views/marketplace_sku_mapping_views.xml",
        "views/marketplace_webhook_event_views.xml",
        "views/sale_order_views.xml",
        "wizards/marketplace_import_wizard_views.xml",
        "views/marketplace_channel_views.xml",
    ],
    "demo": [
        "demo/marketplace_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "marketplace_connectors/static/tests/tours/*.js",
        ],
    },
    "application": True,
}
