//! The global allocator: mimalloc, with small requests rounded up to a power of two.
//!
//! keelson allocates and frees many small strings and nodes; mimalloc serves them several
//! times faster than glibc's allocator. It keeps each size class in pages of its own, four
//! classes to every power of two, so a short run touches a fresh page of memory for almost
//! every class it uses, and each first touch is a page fault (1 to 2 µs on the machine we
//! measure on). Rounding requests of up to 16 KiB (mimalloc's small objects) up to a
//! power of two leaves a quarter of the classes: the example chart touched 57 pages fewer
//! and rendered in 1.78 instead of 2.02 ms (interleaved, 400 runs each). Large renders pay
//! a little for the slack: N = 1000 took 26.1 instead of 25.5 ms, and 21–23 MiB instead of
//! 21 MiB at its peak.
//!
//! Transparent huge pages stay off (mimalloc's `no_thp`), or they would inflate the
//! resident memory of a short-lived process.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc;

/// Requests up to this size are rounded up to a power of two.
const ROUNDED_UP_TO: usize = 16 * 1024;

/// mimalloc behind [`rounded`] layouts.
pub(crate) struct Allocator;

/// `layout` with its size rounded up as described in the module docs.
fn rounded(layout: Layout) -> Layout {
    if layout.size() > ROUNDED_UP_TO {
        return layout;
    }
    // A power of two of at most 16 KiB with the layout's own alignment is a valid layout;
    // the fallback is never taken.
    Layout::from_size_align(layout.size().next_power_of_two(), layout.align()).unwrap_or(layout)
}

// SAFETY: every call goes to mimalloc with the rounded layout of what the caller asked for,
// which is at least as large and as aligned. Rounding depends on the layout alone, so a
// block is freed or grown with the very layout mimalloc allocated it with.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above; the caller's layout has a non-zero size.
        unsafe { MiMalloc.alloc(rounded(layout)) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe { MiMalloc.alloc_zeroed(rounded(layout)) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with `layout`, so from mimalloc with `rounded(layout)`.
        unsafe { MiMalloc.dealloc(ptr, rounded(layout)) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align(new_size, layout.align())
            .map_or(new_size, |new| rounded(new).size());
        // SAFETY: `ptr` came from mimalloc with `rounded(layout)`; the new size is the
        // caller's, rounded up within the same limits.
        unsafe { MiMalloc.realloc(ptr, rounded(layout), new) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_requests_round_up_to_a_power_of_two_and_large_ones_do_not() {
        let size = |n: usize, align: usize| {
            rounded(Layout::from_size_align(n, align).expect("layout")).size()
        };
        assert_eq!(size(1, 1), 1);
        assert_eq!(size(24, 8), 32);
        assert_eq!(size(1000, 8), 1024);
        assert_eq!(size(1025, 1), 2048);
        assert_eq!(size(ROUNDED_UP_TO, 1), ROUNDED_UP_TO);
        assert_eq!(size(ROUNDED_UP_TO + 1, 1), ROUNDED_UP_TO + 1);
        assert_eq!(size(100_000, 16), 100_000);
        assert_eq!(
            rounded(Layout::from_size_align(24, 64).expect("layout")).align(),
            64
        );
    }

    #[test]
    fn blocks_keep_their_bytes_through_growing_and_shrinking() {
        for (size, align) in [(1, 1), (24, 8), (1000, 16), (5000, 4096), (20_000, 8)] {
            let layout = Layout::from_size_align(size, align).expect("layout");
            // SAFETY: non-zero sizes; each block is written within its size, grown or
            // shrunk with the layout it has, and freed once.
            unsafe {
                for new_size in [size * 3, size / 2 + 1] {
                    let block = Allocator.alloc(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0);
                    block.write_bytes(0xA5, size);
                    let moved = Allocator.realloc(block, layout, new_size);
                    assert!(!moved.is_null());
                    assert_eq!(moved as usize % align, 0);
                    let kept = size.min(new_size);
                    assert!(
                        (0..kept).all(|i| *moved.add(i) == 0xA5),
                        "{size} -> {new_size}"
                    );
                    Allocator.dealloc(
                        moved,
                        Layout::from_size_align(new_size, align).expect("layout"),
                    );
                }
                let zeroed = Allocator.alloc_zeroed(layout);
                assert!((0..size).all(|i| *zeroed.add(i) == 0));
                Allocator.dealloc(zeroed, layout);
            }
        }
    }
}
