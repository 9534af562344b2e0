//! Reading untrusted input (chart files, values files, stdin) at a bounded cost.

use std::io::{self, Read};

/// Reads `reader` whole into a buffer sized for `expected` bytes (a hint: the input may be
/// shorter or longer), or fails once it holds more than `limit` bytes: more is an error,
/// not a truncation. Through `Take`, `read_to_end` fills the buffer as sized, without
/// asking a file for its size and position again (two system calls).
///
/// # Errors
/// I/O errors, and [`io::ErrorKind::FileTooLarge`] past `limit`.
pub(crate) fn read(reader: impl Read, expected: u64, limit: u64) -> io::Result<Vec<u8>> {
    let capacity = usize::try_from(expected.min(limit).saturating_add(1)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        let size = if limit.is_multiple_of(1 << 20) {
            format!("{} MiB", limit >> 20)
        } else {
            format!("{limit} bytes")
        };
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("larger than {size}"),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_is_a_hint_and_the_limit_a_bound() {
        let text = b"a: 1\nb: [2, 3]\n";
        for hint in [0, 1, text.len() as u64, 4096, u64::MAX] {
            assert_eq!(
                read(&text[..], hint, 64).expect("read"),
                text,
                "hint {hint}"
            );
        }
        assert_eq!(
            read(&text[..], 0, text.len() as u64).expect("at the limit"),
            text
        );
        let error = read(&text[..], 0, text.len() as u64 - 1).expect_err("past the limit");
        assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(error.to_string(), "larger than 14 bytes");
        let error = read(&vec![0; (1 << 20) + 1][..], 0, 1 << 20).expect_err("past a MiB");
        assert_eq!(error.to_string(), "larger than 1 MiB");
    }
}
