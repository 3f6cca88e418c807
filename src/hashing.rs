//! SHA-256 of bytes, of files (read in blocks, optionally copied while hashing) and of a set of
//! hashes: the one implementation behind the store manifest, the export manifest and
//! `verify-export`.

use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// One hash for a set of hashes (e.g. the store manifest's file hashes): SHA-256 of the sorted,
/// distinct parts, each followed by a newline, so order and repeats do not matter.
pub fn combined_sha256<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let sorted: std::collections::BTreeSet<&str> = parts.into_iter().collect();
    let mut hasher = Sha256::new();
    for part in sorted {
        hasher.update(part.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// Lowercase hex SHA-256 and size of everything `input` yields, each block also written to
/// `copy` when given.
pub fn sha256_stream(mut input: impl Read, mut copy: Option<&mut dyn Write>) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if let Some(out) = copy.as_mut() {
            out.write_all(&buf[..n])?;
        }
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// A reader that hashes the bytes it passes on: one read of a file both parses and hashes it.
#[derive(Debug)]
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> HashingReader<R> {
        HashingReader { inner, hasher: Sha256::new(), bytes: 0 }
    }

    /// Reads what is left, then gives the lowercase hex SHA-256 and size of everything read.
    pub fn finish(mut self) -> io::Result<(String, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((hex::encode(self.hasher.finalize()), self.bytes))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Lowercase hex SHA-256 and size of a file.
pub fn sha256_file(path: &Path) -> io::Result<(String, u64)> {
    sha256_stream(std::fs::File::open(path)?, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn known_digests_and_a_combined_hash_that_ignores_order_and_repeats() {
        assert_eq!(sha256_hex(b"abc"), ABC);
        // printf 'a\nb\n' | sha256sum
        let expected = "911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2";
        assert_eq!(combined_sha256(["b", "a"]), expected);
        assert_eq!(combined_sha256(["a", "b", "a"]), expected);
        let mut copied = Vec::new();
        let (hash, n) = sha256_stream(&b"abc"[..], Some(&mut copied)).unwrap();
        assert_eq!((hash.as_str(), n, copied.as_slice()), (ABC, 3, &b"abc"[..]));
    }

    #[test]
    fn a_hashing_reader_hashes_what_was_read_and_what_was_left() {
        let mut r = HashingReader::new(&b"abc"[..]);
        let mut first = [0u8; 2];
        r.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"ab");
        assert_eq!(r.finish().unwrap(), (ABC.to_string(), 3));
    }
}
