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
