//! The staff admin's addresses, each filling its endpoint's pattern from the table.

use super::endpoints::Endpoint;
use sharecare_domain::identifiers::Reference;

pub fn sign_in() -> &'static str {
    Endpoint::AdminSignIn.pattern()
}

pub fn dashboard() -> &'static str {
    Endpoint::AdminDashboard.pattern()
}

pub fn donations() -> &'static str {
    Endpoint::AdminDonations.pattern()
}

pub fn export() -> &'static str {
    Endpoint::AdminExport.pattern()
}

pub fn donation(reference: &Reference) -> String {
    Endpoint::AdminDonation.fill(&[reference.as_str()])
}

pub fn confirm(reference: &Reference) -> String {
    Endpoint::AdminConfirm.fill(&[reference.as_str()])
}

pub fn confirm_review(reference: &Reference) -> String {
    Endpoint::AdminConfirmReview.fill(&[reference.as_str()])
}

/// Payment ids are hex the server made (checked where they are read).
pub fn payment(reference: &Reference, payment: &str) -> String {
    Endpoint::AdminPayment.fill(&[reference.as_str(), payment])
}

pub fn new_gift() -> &'static str {
    Endpoint::AdminNewGift.pattern()
}

pub fn refund(reference: &Reference) -> String {
    Endpoint::AdminRefund.fill(&[reference.as_str()])
}

pub fn statements() -> &'static str {
    Endpoint::AdminStatements.pattern()
}

/// Ids here are hex the server made (checked where they are read).
pub fn statement(import: &str) -> String {
    Endpoint::AdminStatement.fill(&[import])
}

pub fn statement_columns(import: &str) -> String {
    Endpoint::AdminStatementColumns.fill(&[import])
}

pub fn statement_confirm(import: &str) -> String {
    Endpoint::AdminStatementConfirm.fill(&[import])
}

pub fn statement_line(line: &str) -> String {
    Endpoint::AdminStatementLine.fill(&[line])
}

pub fn exceptions() -> &'static str {
    Endpoint::AdminExceptions.pattern()
}

pub fn resolve(kind: &str, item: &str) -> String {
    Endpoint::AdminResolve.fill(&[kind, item])
}

pub fn audit() -> &'static str {
    Endpoint::AdminAudit.pattern()
}

pub fn account() -> &'static str {
    Endpoint::AdminAccount.pattern()
}

pub fn users() -> &'static str {
    Endpoint::AdminUsers.pattern()
}

pub fn sign_out() -> &'static str {
    Endpoint::AdminSignOut.pattern()
}

pub fn language() -> &'static str {
    Endpoint::AdminLanguage.pattern()
}
