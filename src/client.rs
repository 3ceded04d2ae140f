//! Who is asking: the client's address, and what rate limits count it as. A leaf, used by
//! the session store, the rate limits, the metrics page and the login pages.

use actix_web::HttpRequest;

/// The client's address: the peer, or `X-Forwarded-For` behind a trusted proxy.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    // Behind a trusted proxy, the last X-Forwarded-For entry is the one the proxy added;
    // entries before it are whatever the client claimed.
    let forwarded = trust_forwarded_for
        .then(|| {
            req.headers()
                .get("x-forwarded-for")?
                .to_str()
                .ok()?
                .rsplit(',')
                .next()
                .map(|s| s.trim().to_string())
        })
        .flatten()
        .filter(|s| !s.is_empty());
    let info = req.connection_info();
    let raw = forwarded
        .as_deref()
        .or(info.peer_addr())
        .unwrap_or("unknown");
    // "1.2.3.4:5678" or "[::1]:5678" → the address alone.
    raw.parse::<std::net::SocketAddr>()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|_| raw.to_string())
}

/// What a client is counted as: an IPv4 address, or the /64 an IPv6 address lies in (one
/// household or server has a whole /64; counting single addresses would be no limit).
pub fn client_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{prefix}/64")
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_ipv4_mapped().map_or(ip.into(), |v4| v4.to_string()),
        _ => ip.to_string(),
    }
}

/// The client as the rate limits count it: `client_key` of its address.
pub fn counted_as(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    client_key(&client_ip(req, trust_forwarded_for))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(client_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(client_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(client_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key("unknown"), "unknown");
    }
}
