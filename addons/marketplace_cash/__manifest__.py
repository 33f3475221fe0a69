# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "Marketplace Cash",
    "summary": "Payout reconciliation to the cent, cash forecast, per-warehouse stock "
    "valuation and month-end close for marketplace sellers",
    "version": "18.0.1.0.0",
    "category": "Accounting",
    "license": "LGPL-3",
    "author": "Marketplace Cash Control",
    "website": "https://github.com/marketplace-cash-control/marketplace-cash",
    "maintainers": ["marketplace-cash-control"],
    "development_status": "Alpha",
    "depends": ["marketplace_connectors", "stock_account"],
    "data": [
        "security/marketplace_cash_security.xml",
        "views/marketplace_cash_menus.xml",
    ],
}
