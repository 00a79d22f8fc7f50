//! A client cannot choose its own address (issue 23, finding 1): behind the trusted proxy only
//! the header the proxy sets counts, and only its rightmost hop; the client's own `Forwarded`
//! and `X-Forwarded-For` entries never give it a fresh allowance; an IPv6 network counts as one
//! client. Limits are counted in memory on SQLite and in the database on PostgreSQL, so each
//! test runs on both.

use reqwest::StatusCode;

use crate::helpers::{signed_token, spawn_app_with, Backend, TestApp};
use crate::security::gift;

on_both_databases!(
    a_hundred_forged_forwarded_values_behind_the_proxy_share_one_allowance,
    a_hundred_addresses_in_one_ipv6_network_share_one_allowance,
);

const CAP: usize = 5;

/// The address the proxy saw the attacker connect from.
const ATTACKER: &str = "203.0.113.50";

fn behind_the_proxy() -> Vec<(&'static str, String)> {
    vec![
        ("LIMIT_PER_ADDRESS", CAP.to_string()),
        ("TRUSTED_PROXIES", "127.0.0.1".to_string()),
    ]
}

/// Submits one gift with these headers; true when it was taken (303), false when the limit
/// refused it (429); anything else fails the test.
async fn taken(app: &TestApp, i: usize, headers: &[(&str, String)]) -> bool {
    let mut request = app
        .client
        .post(app.url("/en/donate"))
        .form(&gift(&signed_token(), &format!("donor{i}@example.org")));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.expect("request failed");
    match response.status() {
        StatusCode::SEE_OTHER => true,
        StatusCode::TOO_MANY_REQUESTS => false,
        other => panic!("submit {i}: {other}"),
    }
}

async fn a_hundred_forged_forwarded_values_behind_the_proxy_share_one_allowance(backend: Backend) {
    let app = spawn_app_with(backend, &behind_the_proxy()).await;
    let mut through = 0;
    for i in 0..100 {
        // What reaches the site when a proxy appends to the client's header (nginx's
        // `$proxy_add_x_forwarded_for`) and passes a `Forwarded` through: every value but the
        // last hop is the attacker's choice.
        let forged = format!("198.51.{}.{}", i / 250, i % 250 + 1);
        let headers = [
            ("x-forwarded-for", format!("{forged}, {ATTACKER}")),
            ("forwarded", format!("for={forged}")),
            ("x-real-ip", forged.clone()),
        ];
        if taken(&app, i, &headers).await {
            through += 1;
        }
    }
    assert_eq!(through, CAP, "one client, one allowance");
    assert_eq!(app.donation_count().await, CAP as i64);
    // Another client behind the same proxy still has its own.
    assert!(
        taken(
            &app,
            100,
            &[("x-forwarded-for", "203.0.113.51".to_string())]
        )
        .await
    );
}

async fn a_hundred_addresses_in_one_ipv6_network_share_one_allowance(backend: Backend) {
    let app = spawn_app_with(backend, &behind_the_proxy()).await;
    let mut through = 0;
    for i in 0..100 {
        let address = format!("2001:db8:42:7:{:x}:{:x}::1", i * 977 % 65_536, i);
        if taken(&app, i, &[("x-forwarded-for", address)]).await {
            through += 1;
        }
    }
    assert_eq!(through, CAP, "one /64, one allowance");
    // The next network is another household.
    assert!(
        taken(
            &app,
            100,
            &[("x-forwarded-for", "2001:db8:42:8::1".to_string())]
        )
        .await
    );
}

/// The proxy in `deploy/nginx.conf` writes the header the site reads by default afresh from the
/// socket and drops the client's `Forwarded`, so nothing a client sends in them gets through.
#[test]
fn the_deployed_proxy_overwrites_the_client_address_header() {
    let conf = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf"))
        .expect("deploy/nginx.conf");
    let set = |name: &str| -> Vec<String> {
        conf.lines()
            .map(str::trim)
            .filter_map(|line| line.strip_prefix("proxy_set_header "))
            .filter_map(|rest| rest.split_once(' '))
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim().trim_end_matches(';').to_string())
            .collect()
    };
    let default = sharecare_services::config::AddressHeader::default();
    let sharecare_services::config::AddressHeader::List(read) = default else {
        panic!("the default is a list header");
    };
    assert_eq!(
        set(read.as_str()),
        ["$remote_addr"],
        "the header the site reads"
    );
    assert_eq!(
        set("Forwarded"),
        ["\"\""],
        "a client's own Forwarded is dropped"
    );
}
