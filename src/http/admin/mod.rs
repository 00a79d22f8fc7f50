//! The staff admin over HTTP: its routes (from `Endpoint::ALL`, each guarded by the role it
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

use crate::paths::{Access, Endpoint};
use crate::server::state::AppState;

/// Admin forms are small; a statement upload is at most a few megabytes.
const FORM_BODY_LIMIT: usize = 64 * 1024;
const UPLOAD_BODY_LIMIT: usize = crate::server::statements::MAX_BYTES + 64 * 1024;

/// An admin endpoint's handler. Exhaustive over the admin endpoints; the public ones are
/// `http::router`'s.
fn handler(endpoint: Endpoint) -> MethodRouter<AppState> {
    let form = DefaultBodyLimit::max(FORM_BODY_LIMIT);
    match endpoint {
        Endpoint::AdminSignIn => get(auth::sign_in_page).post(auth::sign_in).layer(form),
        Endpoint::AdminSignOut => post(auth::sign_out).layer(form),
        Endpoint::AdminLanguage => post(auth::language).layer(form),
        Endpoint::AdminDashboard => get(donations::dashboard),
        Endpoint::AdminDonations => get(donations::donations),
        Endpoint::AdminExport => get(donations::export_csv),
        Endpoint::AdminDonation => get(donations::donation),
        Endpoint::AdminConfirm => post(donations::confirm).layer(form),
        Endpoint::AdminRefund => post(donations::refund).layer(form),
        Endpoint::AdminStatements => get(statements::statements_page)
            .post(statements::upload)
            .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        Endpoint::AdminStatement => get(statements::statement),
        Endpoint::AdminStatementColumns => post(statements::columns).layer(form),
        Endpoint::AdminStatementConfirm => post(statements::confirm_clear).layer(form),
        Endpoint::AdminStatementLine => post(statements::line).layer(form),
        Endpoint::AdminExceptions => get(queue::exceptions),
        Endpoint::AdminResolve => post(queue::resolve).layer(form),
        Endpoint::AdminAudit => get(queue::audit),
        Endpoint::AdminAccount => get(auth::account_page)
            .post(auth::account_action)
            .layer(form),
        Endpoint::AdminUsers => get(queue::users).post(queue::set_policy).layer(form),
        public => unreachable!("{public:?} is not an admin endpoint"),
    }
}

/// The admin's routes: each staff route guarded (on its own methods only, so a wrong method is
/// still a plain 405), all of them behind the session layer and the admin's headers.
pub fn routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for endpoint in Endpoint::ALL.into_iter().filter(|e| e.is_admin()) {
        let mut route = handler(endpoint);
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
