//! `memcpy` and `memmove` for the static musl build.
//!
//! Rust copies many short strings and nodes: a render of the example chart makes about
//! 12,000 copies averaging a few dozen bytes. musl's x86-64 `memcpy` moves each one with
//! `rep movsq`, and the unaligned head and the tail one `movsb` at a time; it took 0.18 ms
//! of the example's run, three times glibc's copy. Here copies of up to 64 bytes are a few
//! unaligned loads and stores, and longer ones one `rep movsb`, as in glibc and Linux.
//!
//! Defining both symbols keeps the linker from taking musl's (its `memmove` shares code
//! with its `memcpy`, so the two go together). Elsewhere (tests, the glibc build) the
//! functions exist under their own names only, so that their tests run everywhere.

use core::arch::asm;
use core::ptr::{read_unaligned, write_unaligned};

/// C's `memcpy`.
///
/// # Safety
///
/// `src` readable and `dest` writable for `n` bytes, not overlapping.
#[cfg_attr(all(target_env = "musl", not(test)), unsafe(no_mangle))]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's promise; ranges that do not overlap can be copied upwards.
    unsafe { copy(dest, src, n) };
    dest
}

/// C's `memmove`.
///
/// # Safety
///
/// `src` readable and `dest` writable for `n` bytes; they may overlap.
#[cfg_attr(all(target_env = "musl", not(test)), unsafe(no_mangle))]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if n <= 64 || (dest as usize).wrapping_sub(src as usize) >= n {
        // Short copies read everything before they write; otherwise `dest` starts below
        // `src` or past its end, and copying upwards reads each byte before overwriting it.
        // SAFETY: the caller's promise, and the order above.
        unsafe { copy(dest, src, n) };
    } else {
        // SAFETY: the caller's promise; `n > 0` here. Copying downwards from the last byte
        // reads each byte of the overlap before writing it. The direction flag is clear
        // again before the block ends, as the ABI requires.
        unsafe {
            asm!(
                "std",
                "rep movsb",
                "cld",
                inout("rcx") n => _,
                inout("rdi") dest.add(n - 1) => _,
                inout("rsi") src.add(n - 1) => _,
                options(nostack),
            );
        }
    }
    dest
}

/// Copies `n` bytes upwards; up to 64 bytes, all loads come before any store.
///
/// # Safety
///
/// `src` readable and `dest` writable for `n` bytes; if they overlap and `n > 64`, `dest`
/// is below `src`.
#[inline(always)]
unsafe fn copy(dest: *mut u8, src: *const u8, n: usize) {
    // SAFETY (all blocks): every access lies within the first `n` bytes of `src` or `dest`:
    // a pair of accesses of `k` bytes at offsets 0 and `n - k` covers all `n` bytes when
    // `k <= n <= 2k`.
    unsafe {
        if n <= 16 {
            if n >= 8 {
                let (a, b) = (
                    read_unaligned(src.cast::<u64>()),
                    read_unaligned(src.add(n - 8).cast::<u64>()),
                );
                write_unaligned(dest.cast::<u64>(), a);
                write_unaligned(dest.add(n - 8).cast::<u64>(), b);
            } else if n >= 4 {
                let (a, b) = (
                    read_unaligned(src.cast::<u32>()),
                    read_unaligned(src.add(n - 4).cast::<u32>()),
                );
                write_unaligned(dest.cast::<u32>(), a);
                write_unaligned(dest.add(n - 4).cast::<u32>(), b);
            } else if n > 0 {
                let (a, b, c) = (*src, *src.add(n / 2), *src.add(n - 1));
                *dest = a;
                *dest.add(n / 2) = b;
                *dest.add(n - 1) = c;
            }
        } else if n <= 32 {
            let (a, b) = (
                read_unaligned(src.cast::<u128>()),
                read_unaligned(src.add(n - 16).cast::<u128>()),
            );
            write_unaligned(dest.cast::<u128>(), a);
            write_unaligned(dest.add(n - 16).cast::<u128>(), b);
        } else if n <= 64 {
            let a = read_unaligned(src.cast::<u128>());
            let b = read_unaligned(src.add(16).cast::<u128>());
            let c = read_unaligned(src.add(n - 32).cast::<u128>());
            let d = read_unaligned(src.add(n - 16).cast::<u128>());
            write_unaligned(dest.cast::<u128>(), a);
            write_unaligned(dest.add(16).cast::<u128>(), b);
            write_unaligned(dest.add(n - 32).cast::<u128>(), c);
            write_unaligned(dest.add(n - 16).cast::<u128>(), d);
        } else {
            asm!(
                "rep movsb",
                inout("rcx") n => _,
                inout("rdi") dest => _,
                inout("rsi") src => _,
                options(nostack, preserves_flags),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{memcpy, memmove};

    /// A buffer of distinct-looking bytes.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 13) as u8).collect()
    }

    #[test]
    fn copies_every_length_and_alignment_exactly() {
        for n in 0..300 {
            for (from, to) in [(0, 0), (1, 3), (7, 0), (5, 9), (15, 17)] {
                let src = pattern(from + n + 8);
                let mut dest = vec![0xAA; to + n + 8];
                let mut want = dest.clone();
                want[to..to + n].copy_from_slice(&src[from..from + n]);
                // SAFETY: both buffers hold the ranges; they are distinct allocations.
                let ret = unsafe { memcpy(dest.as_mut_ptr().add(to), src.as_ptr().add(from), n) };
                assert_eq!(ret, dest.as_mut_ptr().wrapping_add(to));
                assert_eq!(dest, want, "memcpy of {n} bytes from +{from} to +{to}");
            }
        }
    }

    #[test]
    fn moves_overlapping_ranges_in_both_directions() {
        for n in 0..300 {
            for shift in [1, 2, 3, 8, 15, 16, 17, 33, 64, 65, 100] {
                for (from, to) in [(0, shift), (shift, 0)] {
                    let mut buf = pattern(n + shift + 8);
                    let mut want = buf.clone();
                    want.copy_within(from..from + n, to);
                    let base = buf.as_mut_ptr();
                    // SAFETY: both ranges lie within `buf`.
                    let ret = unsafe { memmove(base.add(to), base.add(from), n) };
                    assert_eq!(ret, base.wrapping_add(to));
                    assert_eq!(buf, want, "memmove of {n} bytes from +{from} to +{to}");
                }
            }
        }
    }
}
