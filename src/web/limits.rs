//! Rate limits of `POST /subscribe` (subscription bombing): per IP address and
//! per e-mail address, with the `governor` crate's keyed limiters.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use crate::domain::email::SubscriberEmail;

/// Sign-ups per IP address (IPv6: per /64): a burst of 5, then 10 an hour.
const PER_IP_BURST: u32 = 5;
const PER_IP_PER_HOUR: u32 = 10;
/// Sign-ups per mailbox (sub-addresses and casing folded together): 3 an hour.
const PER_ADDRESS_PER_HOUR: u32 = 3;
/// Limiter entries are pruned when there are more than this many keys.
const PRUNE_ABOVE: usize = 10_000;
/// The keyed rate limiters of `POST /subscribe`, one set per process.
pub struct Limits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_address: DefaultKeyedRateLimiter<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Self::new()
    }
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    pub fn new() -> Self {
        Self {
            per_ip: RateLimiter::keyed(
                Quota::per_hour(nz(PER_IP_PER_HOUR)).allow_burst(nz(PER_IP_BURST)),
            ),
            per_address: RateLimiter::keyed(Quota::per_hour(nz(PER_ADDRESS_PER_HOUR))),
        }
    }

    /// Ok, or how long to wait.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.per_ip.len() > PRUNE_ABOVE {
            self.per_ip.retain_recent();
        }
        self.per_ip
            .check_key(&ip_key(ip))
            .map_err(|n| n.wait_time_from(DefaultClock::default().now()))
    }

    pub fn check_address(&self, email: &SubscriberEmail) -> Result<(), Duration> {
        if self.per_address.len() > PRUNE_ABOVE {
            self.per_address.retain_recent();
        }
        self.per_address
            .check_key(&email.mailbox_key())
            .map_err(|n| n.wait_time_from(DefaultClock::default().now()))
    }
}

/// IPv4 addresses as they are; IPv6 addresses by their /64, which one host
/// usually owns whole.
fn ip_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_share_a_limit_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        assert_eq!(ip_key(a), ip_key(b));
        let v4: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(ip_key(v4), "192.0.2.7".parse::<IpAddr>().expect("ip"));
    }
}
