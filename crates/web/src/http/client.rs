//! Who is asking: the client's address, from the socket, or from the one forwarding header the
//! configured trusted proxy sets (`CLIENT_ADDRESS_HEADER`, default `X-Forwarded-For`) when the
//! socket's peer is one of `TRUSTED_PROXIES`. Any other forwarding header is ignored, and
//! without a trusted proxy a forged header changes nothing: a client cannot pick a fresh key
//! under a per-address limit by sending one (issue 23, finding 1).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use sharecare_services::config::{AddressHeader, Protection};
use sharecare_services::state::AppState;

/// The client, as per-address limits count it: its address, with an IPv6 address cut to its
/// network (`IPV6_LIMIT_PREFIX`, default /64, what one household or server is given), so
/// walking through the addresses of one network is still one client.
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
        Ok(ClientAddress(client_key(
            peer,
            &parts.headers,
            &state.protection,
        )))
    }
}

/// The address per-address limits key the request by.
pub fn client_key(peer: Option<IpAddr>, headers: &HeaderMap, protection: &Protection) -> IpAddr {
    let address = client_address(
        peer,
        headers,
        &protection.trusted_proxies,
        &protection.address_header,
    );
    network_of(address, protection.ipv6_limit_prefix)
}

/// The socket's peer, unless it is a trusted proxy: then the rightmost address in the
/// configured header that is not itself a trusted proxy. Entries left of it were written by
/// the client and are never believed.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
    header: &AddressHeader,
) -> IpAddr {
    let peer = canonical(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
    if !trusted.contains(&peer) {
        return peer;
    }
    forwarded_chain(headers, header)
        .into_iter()
        .map(canonical)
        .rev()
        .find(|address| !trusted.contains(address))
        .unwrap_or(peer)
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`, as a dual-stack socket reports it) is
/// the IPv4 client it is.
fn canonical(address: IpAddr) -> IpAddr {
    address.to_canonical()
}

/// An IPv6 address cut to its first `prefix` bits; IPv4 addresses stay whole.
pub fn network_of(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let mask = match prefix {
                0 => 0,
                p if p >= 128 => u128::MAX,
                p => u128::MAX << (128 - u32::from(p)),
            };
            IpAddr::V6(Ipv6Addr::from(bits & mask))
        }
    }
}

/// The addresses the configured header lists, the client first.
fn forwarded_chain(headers: &HeaderMap, header: &AddressHeader) -> Vec<IpAddr> {
    let items = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|item| item.trim().to_string())
            .collect()
    };
    match header {
        AddressHeader::Forwarded => items("forwarded")
            .iter()
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.trim().split_once('=')?;
                    key.eq_ignore_ascii_case("for").then(|| parse_node(value))?
                })
            })
            .collect(),
        AddressHeader::List(name) => items(name.as_str())
            .iter()
            .filter_map(|item| parse_node(item))
            .collect(),
    }
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
    use axum::http::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn x_forwarded_for() -> AddressHeader {
        AddressHeader::List(HeaderName::from_static("x-forwarded-for"))
    }

    #[test]
    fn forwarding_headers_count_only_from_a_trusted_proxy() {
        let peer = ip("198.51.100.9");
        let forged = headers(&[("x-forwarded-for", "203.0.113.1")]);
        assert_eq!(
            client_address(Some(peer), &forged, &[], &x_forwarded_for()),
            peer
        );
        let proxy = ip("10.0.0.2");
        let via = headers(&[("x-forwarded-for", "203.0.113.1, 10.0.0.3, 10.0.0.2")]);
        assert_eq!(
            client_address(
                Some(proxy),
                &via,
                &[proxy, ip("10.0.0.3")],
                &x_forwarded_for()
            ),
            ip("203.0.113.1")
        );
        // A client prepending its own entry cannot choose its address: the rightmost
        // untrusted hop is taken.
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.1")]);
        assert_eq!(
            client_address(Some(proxy), &spoofed, &[proxy], &x_forwarded_for()),
            ip("203.0.113.1")
        );
    }

    #[test]
    fn only_the_configured_header_is_read() {
        let proxy = ip("10.0.0.2");
        let both = headers(&[
            ("forwarded", "for=\"[2001:db8::1]:4711\";proto=https"),
            ("x-forwarded-for", "203.0.113.7"),
        ]);
        // The default reads X-Forwarded-For; the client's own `Forwarded` is ignored.
        assert_eq!(
            client_address(Some(proxy), &both, &[proxy], &x_forwarded_for()),
            ip("203.0.113.7")
        );
        // A proxy that speaks RFC 7239 is configured as such.
        assert_eq!(
            client_address(Some(proxy), &both, &[proxy], &AddressHeader::Forwarded),
            ip("2001:db8::1")
        );
        // Another single-address header, as some load balancers send.
        let real_ip = AddressHeader::List(HeaderName::from_static("x-real-ip"));
        assert_eq!(
            client_address(Some(proxy), &both, &[proxy], &real_ip),
            proxy,
            "the header is missing: the proxy itself is all that is known"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_network() {
        assert_eq!(
            network_of(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 64),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            network_of(ip("2001:db8:1:2:aaaa::1"), 48),
            ip("2001:db8:1::")
        );
        assert_eq!(network_of(ip("2001:db8::1"), 128), ip("2001:db8::1"));
        assert_eq!(network_of(ip("192.0.2.1"), 64), ip("192.0.2.1"));
        // A dual-stack socket's IPv4 client is that IPv4 client, not a /64 of them all.
        assert_eq!(
            client_address(
                Some(ip("::ffff:192.0.2.1")),
                &HeaderMap::new(),
                &[],
                &x_forwarded_for()
            ),
            ip("192.0.2.1")
        );
    }
}
