//! Wrong access tokens, counted per client address: after
//! [`MAX_FAILURES`] in [`WINDOW`], that address gets `429 Too Many Requests`
//! for every token it sends, right or wrong, until the window ends. So a
//! guessed token is worth nothing after the first few guesses, and reviewers
//! at other addresses keep working. Behind a reverse proxy every client has
//! the proxy's address and shares one count.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong tokens an address may send in one window.
pub const MAX_FAILURES: u32 = 10;
/// How long failures count, from the first.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Addresses remembered at most; beyond it, finished windows are dropped,
/// then the oldest.
const MAX_ADDRESSES: usize = 10_000;

/// The client's address (`None` when the server does not know it, as in
/// tests without a socket), put on each request by the access check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

#[derive(Debug, Default)]
pub struct Throttle {
    windows: Mutex<HashMap<Option<IpAddr>, (Instant, u32)>>,
}

impl Throttle {
    /// How long `who` must still wait, when it sent too many wrong tokens.
    pub fn blocked(&self, who: ClientAddr) -> Option<Duration> {
        self.blocked_at(who, Instant::now())
    }

    /// Counts a wrong token from `who`.
    pub fn failed(&self, who: ClientAddr) {
        self.failed_at(who, Instant::now());
    }

    fn blocked_at(&self, who: ClientAddr, now: Instant) -> Option<Duration> {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let &(start, failures) = windows.get(&who.0)?;
        let end = start + WINDOW;
        (failures >= MAX_FAILURES && now < end).then(|| end - now)
    }

    fn failed_at(&self, who: ClientAddr, now: Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_ADDRESSES && !windows.contains_key(&who.0) {
            windows.retain(|_, (start, _)| now < *start + WINDOW);
            if windows.len() >= MAX_ADDRESSES
                && let Some(oldest) = windows.iter().min_by_key(|(_, (s, _))| *s).map(|(k, _)| *k)
            {
                windows.remove(&oldest);
            }
        }
        let window = windows.entry(who.0).or_insert((now, 0));
        if now >= window.0 + WINDOW {
            *window = (now, 0);
        }
        window.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_too_many_wrong_tokens_until_the_window_ends() {
        let t = Throttle::default();
        let a = ClientAddr(Some("10.0.0.1".parse().unwrap()));
        let b = ClientAddr(Some("10.0.0.2".parse().unwrap()));
        let start = Instant::now();
        for i in 0..MAX_FAILURES {
            assert_eq!(t.blocked_at(a, start), None, "after {i}");
            t.failed_at(a, start);
        }
        let later = start + Duration::from_secs(60);
        assert_eq!(
            t.blocked_at(a, later),
            Some(WINDOW - Duration::from_secs(60))
        );
        assert_eq!(t.blocked_at(b, later), None, "others are not blocked");
        let after = start + WINDOW;
        assert_eq!(t.blocked_at(a, after), None);
        // A new window starts from nothing.
        t.failed_at(a, after);
        assert_eq!(t.blocked_at(a, after), None);
    }

    #[test]
    fn the_table_of_addresses_stays_bounded() {
        let t = Throttle::default();
        let now = Instant::now();
        for i in 0..(MAX_ADDRESSES as u32 + 50) {
            t.failed_at(ClientAddr(Some(IpAddr::from(i.to_be_bytes()))), now);
        }
        assert!(t.windows.lock().unwrap().len() <= MAX_ADDRESSES);
    }
}
