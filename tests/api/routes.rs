//! The route table walked through the real router: every endpoint's example reaches its own
//! route for each method its line in `paths` names, and every other method is refused there
//! with 405. An endpoint whose handler is missing, or registered with other methods than its
//! line says, fails here (the per-part handler matches have no default, so most of these
//! mistakes do not compile in the first place).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use sharecare::http::protect;
use sharecare::http::router::routes;
use sharecare::paths::Endpoint;
use tower::ServiceExt;

use crate::helpers::{spawn_app_on, Backend, PUBLIC_BASE_URL};

/// What the route layer saw of the last request: the pattern it matched and the status its
/// route answered (a 405 there is the method router's own refusal).
type Seen = Arc<Mutex<Option<(String, StatusCode)>>>;

#[tokio::test]
async fn every_endpoint_is_routed_with_the_methods_its_line_names() {
    let app = spawn_app_on(Backend::Sqlite).await;
    let seen: Seen = Arc::default();
    let witness = seen.clone();
    // A route layer runs only for a request that matched a route: a path the router does not
    // know goes to the fallback without passing here.
    let marker = middleware::from_fn(move |request: Request, next: Next| {
        let witness = witness.clone();
        async move {
            let matched = request
                .extensions()
                .get::<MatchedPath>()
                .map(|path| path.as_str().to_string());
            let response = next.run(request).await;
            *witness.lock().unwrap() = matched.map(|path| (path, response.status()));
            response
        }
    });
    let router = protect(routes(&app.state).route_layer(marker), app.state.clone());
    assert!(Endpoint::ALL.len() >= 50);
    for endpoint in Endpoint::ALL {
        let path = endpoint.example();
        let methods = endpoint.methods();
        for (method, named) in [(Method::GET, methods.get()), (Method::POST, methods.post())] {
            *seen.lock().unwrap() = None;
            let request = Request::builder()
                .method(method.clone())
                .uri(&path)
                // A cookie takes the request past the page cache's front door to the router;
                // the site's own origin past the cross-site check.
                .header("cookie", "probe=1")
                .header("origin", PUBLIC_BASE_URL)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", "application/x-www-form-urlencoded")
                .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))))
                .body(Body::empty())
                .unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            let reached = seen.lock().unwrap().clone();
            let Some((matched, status)) = reached else {
                panic!(
                    "{method} {path} ({endpoint:?}) reached no route: {}",
                    response.status()
                );
            };
            assert_eq!(matched, endpoint.pattern(), "{method} {path}");
            if named {
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            } else {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            }
        }
    }
}
