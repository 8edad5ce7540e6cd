//! How waits grow between attempts: the rule every retry in postbode
//! follows, mail to the relay and webhooks alike (each adds its own jitter).

/// `base` seconds doubled `attempts` times, at most `max`.
pub fn doubling(base: u64, max: u64, attempts: i64) -> i64 {
    let base = i64::try_from(base.max(1)).unwrap_or(i64::MAX);
    let max = i64::try_from(max).unwrap_or(i64::MAX);
    base.saturating_mul(1 << attempts.clamp(0, 30)).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_maximum() {
        assert_eq!(doubling(30, 3600, 0), 30);
        assert_eq!(doubling(30, 3600, 2), 120);
        assert_eq!(doubling(30, 3600, 40), 3600);
        assert_eq!(doubling(0, 10, 1), 2);
    }
}
