//! Access, CSRF and response headers.
//!
//! - **Access token.** When the server has a token (always when it is not
//!   bound to loopback), every request but `/login` and `/static/` carries
//!   it: the `vetted_token` cookie set by the login form, or
//!   `Authorization: Bearer TOKEN` for scripts. An address that sends too
//!   many wrong tokens is held off for a while (`throttle.rs`).
//! - **Reviewer.** Pages need a reviewer name (the `vetted_reviewer`
//!   cookie, set once by the login form); API calls that decide take it from
//!   that cookie or the `X-Vetted-Reviewer` header.
//! - **CSRF.** Cookies are `SameSite=Strict`, and every request other than
//!   GET/HEAD whose `Origin` (or, without one, `Referer`) names another
//!   origin than the `Host` it was sent to is refused. Scripts that send
//!   neither header pass; browsers always send `Origin` on cross-site POSTs.
//! - **Headers.** A CSP without inline script or style, `nosniff`,
//!   `frame-ancestors 'none'`, no referrer to other sites.

use axum::body::Body;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::throttle::ClientAddr;
use super::{AppError, AppState};

pub const TOKEN_COOKIE: &str = "vetted_token";
pub const REVIEWER_COOKIE: &str = "vetted_reviewer";
pub const REVIEWER_HEADER: &str = "x-vetted-reviewer";
/// Longest reviewer name.
pub const MAX_NAME: usize = 80;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Adds the security headers to every response.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// The access check, then the CSRF check.
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client = ClientAddr(
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
    );
    req.extensions_mut().insert(client);
    let path = req.uri().path().to_string();
    let api = path.starts_with("/api/");
    let open = path == "/login" || path.starts_with("/static/");
    // DNS rebinding: a web page whose name points at 127.0.0.1 reaches
    // the server under that name. Without a token, only loopback names
    // are answered.
    if state.config.token.is_none() && !loopback_host(req.headers(), req.uri().authority()) {
        return AppError::Forbidden(
            "this server answers only to localhost, 127.0.0.1 and [::1]; serve with --token to use another name"
                .into(),
        )
        .into_response();
    }
    if !is_safe(req.method()) && !same_origin(req.headers(), req.uri().authority()) {
        return AppError::Forbidden("cross-origin request refused".into()).into_response();
    }
    if let Some(token) = &state.config.token
        && !open
    {
        let offered = offers_token(req.headers());
        if offered && let Some(wait) = state.throttle.blocked(client) {
            return too_many(wait).into_response();
        }
        if !has_token(req.headers(), token) {
            if offered {
                state.throttle.failed(client);
            }
            if api || !is_safe(req.method()) {
                return AppError::Unauthorized(
                    "missing or wrong access token: send `Authorization: Bearer TOKEN`".into(),
                )
                .into_response();
            }
            return to_login(&req);
        }
    }
    if !api && !open && is_safe(req.method()) && reviewer(req.headers()).is_none() {
        return to_login(&req);
    }
    next.run(req).await
}

fn to_login(req: &Request<Body>) -> Response {
    let next = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", next)
        .finish();
    Redirect::to(&format!("/login?{query}")).into_response()
}

fn is_safe(m: &Method) -> bool {
    m == Method::GET || m == Method::HEAD || m == Method::OPTIONS
}

/// Whether `Origin` (or `Referer`) is absent or names the `Host` itself
/// (HTTP/2: the request's authority).
pub fn same_origin(h: &HeaderMap, authority: Option<&axum::http::uri::Authority>) -> bool {
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or(authority.map(|a| a.as_str()));
    let Some(host) = host else {
        return h.get(header::ORIGIN).is_none() && h.get(header::REFERER).is_none();
    };
    let matches = |value: &str| {
        url::Url::parse(value).is_ok_and(|u| {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let authority = format!("{}{port}", u.host_str().unwrap_or_default());
            matches!(u.scheme(), "http" | "https") && authority.eq_ignore_ascii_case(host)
        })
    };
    if let Some(origin) = h.get(header::ORIGIN) {
        return origin.to_str().is_ok_and(matches);
    }
    if let Some(referer) = h.get(header::REFERER) {
        return referer.to_str().is_ok_and(matches);
    }
    true
}

/// Whether the `Host` (HTTP/2: the authority) is a loopback name, or
/// absent (no browser sends a request without one).
pub fn loopback_host(h: &HeaderMap, authority: Option<&axum::http::uri::Authority>) -> bool {
    let host = match h.get(header::HOST) {
        Some(v) => match v.to_str() {
            Ok(v) => v.to_string(),
            Err(_) => return false,
        },
        None => match authority {
            Some(a) => a.as_str().to_string(),
            None => return true,
        },
    };
    let Ok(parsed) = url::Url::parse(&format!("http://{host}/")) else {
        return false;
    };
    match parsed.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The answer to an address that sent too many wrong tokens.
pub fn too_many(wait: std::time::Duration) -> AppError {
    AppError::TooManyRequests(format!(
        "too many wrong access tokens from this address; try again in {} minutes",
        wait.as_secs().div_ceil(60).max(1)
    ))
}

/// Whether the request carries a token at all (right or wrong).
fn offers_token(h: &HeaderMap) -> bool {
    h.contains_key(header::AUTHORIZATION) || cookie(h, TOKEN_COOKIE).is_some()
}

fn has_token(h: &HeaderMap, token: &str) -> bool {
    let bearer = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let cookie = cookie(h, TOKEN_COOKIE);
    [bearer.map(str::to_string), cookie]
        .into_iter()
        .flatten()
        .any(|given| constant_time_eq(given.trim().as_bytes(), token.as_bytes()))
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A cookie's value, percent-decoded.
pub fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            url::form_urlencoded::parse(format!("v={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
}

/// A `Set-Cookie` value: percent-encoded, `HttpOnly`, `SameSite=Strict`;
/// `Secure` when the request came over HTTPS (through a proxy that says so
/// with `X-Forwarded-Proto`).
pub fn set_cookie(name: &str, value: &str, secure: bool) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={encoded}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}")
}

/// Whether a proxy says the request came over HTTPS.
pub fn is_https(h: &HeaderMap) -> bool {
    h.get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

pub fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// A reviewer name, cleaned: trimmed, control characters removed, at most
/// [`MAX_NAME`] characters; `None` when empty.
pub fn clean_name(name: &str) -> Option<String> {
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let name = name.trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// The reviewer making the request.
pub fn reviewer(h: &HeaderMap) -> Option<String> {
    cookie(h, REVIEWER_COOKIE)
        .or_else(|| {
            h.get(REVIEWER_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .and_then(|n| clean_name(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn origin_checks() {
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8080")]), None));
        assert!(same_origin(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080")
            ]),
            None
        ));
        assert!(!same_origin(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://evil.example")
            ]),
            None
        ));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]),
            None
        ));
        assert!(!same_origin(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("referer", "http://evil.example/127.0.0.1:8080")
            ]),
            None
        ));
        assert!(same_origin(
            &headers(&[
                ("host", "localhost"),
                ("referer", "http://localhost/questionnaires/1")
            ]),
            None
        ));
    }

    #[test]
    fn only_loopback_names_are_loopback_hosts() {
        for (host, ok) in [
            ("localhost:8080", true),
            ("LOCALHOST", true),
            ("app.localhost:80", true),
            ("127.0.0.1:8080", true),
            ("127.3.2.1", true),
            ("[::1]:8080", true),
            ("evil.example:8080", false),
            ("localhost.evil.example", false),
            ("10.0.0.5:8080", false),
            ("[::2]", false),
            ("", false),
        ] {
            assert_eq!(
                loopback_host(&headers(&[("host", host)]), None),
                ok,
                "{host}"
            );
        }
        assert!(loopback_host(&headers(&[]), None), "no Host: not a browser");
    }

    #[test]
    fn http2_authority_counts_as_host() {
        let authority: axum::http::uri::Authority = "127.0.0.1:8080".parse().unwrap();
        let h = headers(&[("origin", "http://127.0.0.1:8080")]);
        assert!(same_origin(&h, Some(&authority)));
        assert!(!same_origin(&h, None));
    }

    #[test]
    fn cookies_round_trip() {
        let set = set_cookie(REVIEWER_COOKIE, "Ann O'Neil; x=1", false);
        assert!(set_cookie(TOKEN_COOKIE, "t", true).ends_with("; Secure"));
        let value = set.split(';').next().unwrap();
        let h = headers(&[("cookie", &format!("a=b; {value}"))]);
        assert_eq!(reviewer(&h).as_deref(), Some("Ann O'Neil; x=1"));
        assert_eq!(clean_name("  \u{7}  "), None);
    }
}
