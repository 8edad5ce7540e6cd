//! When a temporarily refused message is tried again.

use crate::domain::retry::doubling;

/// Seconds until the next attempt: `base`, 2×, 4× … (1, 2, 4 minutes by default),
/// at most an hour, with jitter so a recovering server is not hit by every message at once.
pub fn backoff_secs(base: u64, attempts: i64) -> i64 {
    let base = doubling(base, 3600, attempts.clamp(0, 6));
    let jitter = rand::random_range(0..=base / 4);
    base + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!((60..=75).contains(&backoff_secs(60, 0)));
        assert!((240..=300).contains(&backoff_secs(60, 2)));
        assert!((3600..=4500).contains(&backoff_secs(60, 30)));
        assert!((1..=2).contains(&backoff_secs(1, 0)));
    }
}
