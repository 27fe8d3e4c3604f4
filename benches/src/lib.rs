//! Support for aludel's benchmarks: a counting global allocator and the criterion
//! report reader. The benchmarks themselves are in `benches/`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// A global allocator that counts allocations (and reallocations).
pub struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations made so far.
pub fn allocations() -> u64 {
    ALLOCS.load(Ordering::Relaxed)
}

/// Average allocations per call of `f`.
pub fn allocs_per_op<R>(mut f: impl FnMut() -> R) -> f64 {
    for _ in 0..100 {
        std::hint::black_box(f());
    }
    let n = 2000;
    let before = allocations();
    for _ in 0..n {
        std::hint::black_box(f());
    }
    (allocations() - before) as f64 / n as f64
}

/// Nanoseconds per call of each of `fs`, measured in `rounds` interleaved rounds (every
/// function once per round, about `round_ms` each): per-round times, indexed
/// `[function][round]`. On a machine with noisy neighbours (CPU steal), comparing
/// functions within a round cancels most of the noise that sequential runs suffer.
pub fn interleaved_ns(fs: &[&dyn Fn()], rounds: usize, round_ms: u64) -> Vec<Vec<f64>> {
    use std::time::{Duration, Instant};
    let budget = Duration::from_millis(round_ms);
    // Calibrate: calls per round for each function.
    let calls: Vec<u64> = fs
        .iter()
        .map(|f| {
            let mut n = 1u64;
            loop {
                let t = Instant::now();
                for _ in 0..n {
                    f();
                }
                if t.elapsed() >= budget / 4 || n >= 1 << 24 {
                    return (n * 4).max(1);
                }
                n *= 2;
            }
        })
        .collect();
    let mut out = vec![Vec::with_capacity(rounds); fs.len()];
    for _ in 0..rounds {
        for (i, f) in fs.iter().enumerate() {
            let t = Instant::now();
            for _ in 0..calls[i] {
                f();
            }
            out[i].push(t.elapsed().as_nanos() as f64 / calls[i] as f64);
        }
    }
    out
}

/// The median of `xs`.
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// The mean time (ns) criterion measured for `group/id` in this run, if any.
pub fn criterion_mean_ns(group: &str, id: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/../target", env!("CARGO_MANIFEST_DIR")));
    let sanitize = |s: &str| s.replace(['?', '"', '/', '\\', '*', '<', '>', ':', '|', '^'], "_");
    let path = format!(
        "{dir}/criterion/{}/{}/new/estimates.json",
        sanitize(group),
        sanitize(id)
    );
    let text = std::fs::read_to_string(path).ok()?;
    let mean = text.find("\"mean\"")?;
    let rest = &text[mean..];
    let pe = rest.find("\"point_estimate\":")? + "\"point_estimate\":".len();
    let end = rest[pe..].find([',', '}'])?;
    rest[pe..pe + end].trim().parse().ok()
}

/// What sea-query's `#[derive(Iden)]` generates: an enum of static, pre-checked
/// identifiers (expanded in the benchmarks, which depend on sea-query).
#[macro_export]
macro_rules! sea_iden {
    ($name:ident { $($variant:ident => $s:literal),* $(,)? }) => {
        #[derive(Clone, Copy)]
        pub enum $name { $($variant),* }
        impl ::sea_query::Iden for $name {
            fn quoted(&self) -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(match self { $($name::$variant => $s),* })
            }
            fn unquoted(&self) -> &str {
                match self { $($name::$variant => $s),* }
            }
        }
    };
}
