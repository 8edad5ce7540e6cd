//! Compiling MJML recurses once per level of nesting (mrml), and so may
//! html2text on the result. Nesting is limited before compiling
//! (`nesting`), and compiling runs on a thread of its own whose stack is
//! known to be large enough, whatever thread asked: a tokio worker's stack
//! is 2 MB, and `check` on the main thread must not pass a file that `serve`
//! would die on. A panic inside the compiler comes back as an error.

/// Far more than [`super::nesting::MAX_DEPTH`] levels need.
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Runs `f` on a compile thread and waits for it; Err says why it failed.
pub fn on_compile_thread<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, String> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("postbode-compile".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, f)
            .map_err(|e| format!("cannot start a thread to compile on: {e}"))?;
        handle.join().map_err(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            format!("the MJML compiler failed ({why})")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_and_panics_come_back() {
        assert_eq!(on_compile_thread(|| 41 + 1), Ok(42));
        let failed = on_compile_thread(|| -> u8 { panic!("boom") });
        assert!(failed.expect_err("panicked").contains("boom"));
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
        assert!(on_compile_thread(|| down(40_000)).is_ok());
    }
}
