//! The staff admin over HTTP: its routes (from `AdminEndpoint::ALL`, each guarded by the role it
//! names), its session layer and headers, and its handlers.

mod auth;
mod donations;
pub mod guard;
mod queue;
mod statements;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

use sharecare_content::paths::{Access, AdminEndpoint};
use sharecare_services::state::AppState;

/// Admin forms are small; a statement upload is at most a few megabytes.
const FORM_BODY_LIMIT: usize = 64 * 1024;
const UPLOAD_BODY_LIMIT: usize = sharecare_services::statements::UPLOAD_LIMIT;

/// An admin endpoint's handler. The match has no default, so an admin endpoint added to the
/// table without a handler does not compile; the public ones are `http::router`'s.
fn handler(endpoint: AdminEndpoint) -> MethodRouter<AppState> {
    let form = DefaultBodyLimit::max(FORM_BODY_LIMIT);
    match endpoint {
        AdminEndpoint::AdminSignIn => get(auth::sign_in_page).post(auth::sign_in).layer(form),
        AdminEndpoint::AdminSignOut => post(auth::sign_out).layer(form),
        AdminEndpoint::AdminLanguage => post(auth::language).layer(form),
        AdminEndpoint::AdminDashboard => get(donations::dashboard),
        AdminEndpoint::AdminDonations => get(donations::donations),
        AdminEndpoint::AdminExport => get(donations::export_csv),
        AdminEndpoint::AdminDonation => get(donations::donation),
        AdminEndpoint::AdminConfirmReview => post(donations::review).layer(form),
        AdminEndpoint::AdminConfirm => post(donations::confirm).layer(form),
        AdminEndpoint::AdminPayment => post(donations::payment_action).layer(form),
        AdminEndpoint::AdminNewGift => get(donations::new_gift_page)
            .post(donations::new_gift)
            .layer(form),
        AdminEndpoint::AdminRefund => post(donations::refund).layer(form),
        AdminEndpoint::AdminStatements => get(statements::statements_page)
            .post(statements::upload)
            .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        AdminEndpoint::AdminStatement => get(statements::statement),
        AdminEndpoint::AdminStatementColumns => post(statements::columns).layer(form),
        AdminEndpoint::AdminStatementConfirm => post(statements::confirm_clear).layer(form),
        AdminEndpoint::AdminStatementLine => post(statements::line).layer(form),
        AdminEndpoint::AdminExceptions => get(queue::exceptions),
        AdminEndpoint::AdminResolve => post(queue::resolve).layer(form),
        AdminEndpoint::AdminAudit => get(queue::audit),
        AdminEndpoint::AdminAccount => get(auth::account_page)
            .post(auth::account_action)
            .layer(form),
        AdminEndpoint::AdminUsers => get(queue::users).post(queue::set_policy).layer(form),
    }
}

/// The admin's routes: each staff route guarded (on its own methods only, so a wrong method is
/// still a plain 405), all of them behind the session layer and the admin's headers.
pub fn routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for admin in AdminEndpoint::ALL {
        let endpoint = admin.endpoint();
        let mut route = handler(admin);
        if let Access::Staff(_) = endpoint.access() {
            route = route.route_layer(middleware::from_fn_with_state(
                (state.clone(), endpoint),
                guard::guard,
            ));
        }
        router = router.route(endpoint.pattern(), route);
    }
    router
        .layer(guard::session_layer(state))
        .layer(middleware::from_fn(guard::admin_headers))
}
