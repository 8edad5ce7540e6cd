//! Compiling MJML recurses once per level of nesting (mrml), and so may
//! html2text on the result. Nesting is limited before compiling
//! (`nesting`), and compiling runs on a stack of its own known to be large
//! enough, whatever thread asked: a tokio worker's stack is 8 MB, and `check`
//! on the main thread must not pass a file that `serve` would die on. A panic
//! inside the compiler comes back as an error.
//!
//! That stack is mapped on the thread that asks, for as long as the compile
//! runs: starting a thread with a stack this size cost about 0.1 ms, a third
//! of compiling the July 2017 issue with mrml, and handing the work to a
//! kept thread made the compile itself slower (cold caches on the other core).

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Far more than [`super::nesting::MAX_DEPTH`] levels need.
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Runs `f` on a stack of [`STACK_BYTES`] and waits for it; Err says why it
/// failed.
pub fn with_compile_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, String> {
    // Asking for the whole size as the red zone maps a fresh stack every
    // time: no thread's own stack is that large.
    stacker::maybe_grow(STACK_BYTES, STACK_BYTES, || {
        catch_unwind(AssertUnwindSafe(f))
    })
    .map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        format!("the MJML compiler failed ({why})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_and_panics_come_back() {
        assert_eq!(with_compile_stack(|| 41 + 1), Ok(42));
        let failed = with_compile_stack(|| -> u8 { panic!("boom") });
        assert!(failed.expect_err("panicked").contains("boom"));
        // A compile after a panic runs as usual.
        assert_eq!(with_compile_stack(|| 6 * 7), Ok(42));
    }

    #[test]
    fn deep_recursion_fits() {
        fn down(n: u32) -> u32 {
            let pad = [n as u8; 512];
            if n == 0 {
                u32::from(pad[0])
            } else {
                down(n - 1) + u32::from(pad[1] & 1)
            }
        }
        // About 20 MB of stack: would overflow any default thread.
        assert!(with_compile_stack(|| down(40_000)).is_ok());
    }

    #[test]
    fn compiles_asked_for_at_once_all_come_back() {
        let answers: Vec<_> = std::thread::scope(|s| {
            let asked: Vec<_> = (0..8u32)
                .map(|i| s.spawn(move || with_compile_stack(|| i * 2)))
                .collect();
            asked
                .into_iter()
                .map(|h| h.join().expect("joined"))
                .collect()
        });
        assert_eq!(answers, (0..8u32).map(|i| Ok(i * 2)).collect::<Vec<_>>());
    }
}
