//! Who is asking: the client's address, from the socket, or from `X-Forwarded-For` /
//! `Forwarded` only when the socket's peer is a configured trusted proxy (`TRUSTED_PROXIES`).
//! Without one, a forged header changes nothing.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use sharecare_services::state::AppState;

/// The client's address, as far as this server can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddress, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        Ok(ClientAddress(client_address(
            peer,
            &parts.headers,
            &state.protection.trusted_proxies,
        )))
    }
}

/// The socket's peer, unless it is a trusted proxy: then the nearest forwarded address that
/// is not itself a trusted proxy.
pub fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !trusted.contains(&peer) {
        return peer;
    }
    forwarded_chain(headers)
        .into_iter()
        .rev()
        .find(|address| !trusted.contains(address))
        .unwrap_or(peer)
}

/// The addresses a request passed through, the client first: `Forwarded: for=...` if present,
/// else `X-Forwarded-For`.
fn forwarded_chain(headers: &HeaderMap) -> Vec<IpAddr> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|item| item.trim().to_string())
            .collect()
    };
    let forwarded: Vec<IpAddr> = values("forwarded")
        .iter()
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                key.eq_ignore_ascii_case("for").then(|| parse_node(value))?
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    values("x-forwarded-for")
        .iter()
        .filter_map(|item| parse_node(item))
        .collect()
}

/// `192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80`.
fn parse_node(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(address);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    text.parse::<SocketAddr>().ok().map(|address| address.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn forwarding_headers_count_only_from_a_trusted_proxy() {
        let peer: IpAddr = "198.51.100.9".parse().unwrap();
        let forged = headers(&[("x-forwarded-for", "203.0.113.1")]);
        assert_eq!(client_address(Some(peer), &forged, &[]), peer);
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let via = headers(&[("x-forwarded-for", "203.0.113.1, 10.0.0.3, 10.0.0.2")]);
        assert_eq!(
            client_address(Some(proxy), &via, &[proxy, "10.0.0.3".parse().unwrap()]),
            "203.0.113.1".parse::<IpAddr>().unwrap()
        );
        // A client prepending its own entry cannot choose its address: the nearest untrusted
        // hop is taken.
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.1")]);
        assert_eq!(
            client_address(Some(proxy), &spoofed, &[proxy]),
            "203.0.113.1".parse::<IpAddr>().unwrap()
        );
        let standard = headers(&[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")]);
        assert_eq!(
            client_address(Some(proxy), &standard, &[proxy]),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
    }
}
