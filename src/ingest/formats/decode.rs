//! Text of vendor exports: UTF-8 (with or without BOM) or Windows-1252, LF or CRLF. A pre-scan
//! tells a wrongly declared encoding (one fatal error that names the right setting) apart from
//! a few corrupt rows in a correctly declared file (those are quarantined as `invalid_utf8`).

use std::borrow::Cow;
use std::path::Path;

use super::spec::{LineEnding, TextEncoding};
use crate::ingest::error::IngestError;
use crate::ingest::reason::{Reason, Rejection};
use crate::ingest::source::{each_line, strip_line_end};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the pre-scan found in a file's bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    pub bom: bool,
    /// Lines that are valid UTF-8 and hold non-ASCII text: first one (line, sample word) and count.
    pub utf8_text: Option<(u64, String)>,
    pub utf8_text_lines: u64,
    /// Lines that are not valid UTF-8: first one (line, first bad byte, sample word read as
    /// Windows-1252) and count.
    pub invalid: Option<(u64, u8, String)>,
    pub invalid_lines: u64,
    /// First line ending in LF only, and first line ending in CRLF.
    pub first_lf: Option<u64>,
    pub first_crlf: Option<u64>,
}

/// Reads the whole file once and records encoding and line-ending evidence.
pub fn scan(path: &Path, gzip: bool) -> Result<Scan, IngestError> {
    let mut s = Scan::default();
    each_line(path, gzip, &mut |line, bytes| {
        if bytes.ends_with(b"\r\n") {
            s.first_crlf.get_or_insert(line);
        } else if bytes.ends_with(b"\n") {
            s.first_lf.get_or_insert(line);
        }
        let mut text = strip_line_end(bytes);
        if line == 1 && text.starts_with(BOM) {
            s.bom = true;
            text = &text[BOM.len()..];
        }
        if text.is_ascii() {
            return Ok(());
        }
        match std::str::from_utf8(text) {
            Ok(t) => {
                s.utf8_text_lines += 1;
                s.utf8_text.get_or_insert_with(|| (line, sample_word(t)));
            }
            Err(e) => {
                s.invalid_lines += 1;
                if s.invalid.is_none() {
                    let bad = text[e.valid_up_to()];
                    s.invalid = Some((line, bad, sample_word(&decode_1252(text))));
                }
            }
        }
        Ok(())
    })?;
    Ok(s)
}

/// Fails when the file cannot be in the declared encoding or line endings, naming the setting
/// that would read it.
///
/// UTF-8 declared: when no line with non-ASCII text is valid UTF-8 but some are not, the file
/// is not UTF-8 at all (suggest windows-1252). When valid and invalid lines mix, the file is
/// UTF-8 with corrupt rows, which go to quarantine. Windows-1252 declared: a BOM, or non-ASCII
/// text that is all valid UTF-8, means the file is UTF-8 (reading it as Windows-1252 would turn
/// `ü` into `Ã¼`).
pub fn check(
    path: &Path,
    scan: &Scan,
    encoding: TextEncoding,
    endings: LineEnding,
) -> Result<(), IngestError> {
    let fail = |line: u64, message: String| Err(IngestError::Decode { path: path.into(), line, message });
    match encoding {
        TextEncoding::Utf8 => {
            if let (Some((line, byte, word)), 0) = (&scan.invalid, scan.utf8_text_lines) {
                return fail(
                    *line,
                    format!(
                        "the file is not UTF-8 (byte 0x{byte:02X}); it reads as Windows-1252 ('{word}'): \
                         set encoding = \"windows-1252\" in the mapping file"
                    ),
                );
            }
        }
        TextEncoding::Windows1252 => {
            if scan.bom {
                return fail(
                    1,
                    "the file starts with a UTF-8 byte order mark, but the mapping says \
                     encoding = \"windows-1252\": set encoding = \"utf-8\""
                        .into(),
                );
            }
            if let (Some((line, word)), 0) = (&scan.utf8_text, scan.invalid_lines) {
                let garbled = decode_1252(word.as_bytes());
                return fail(
                    *line,
                    format!(
                        "the file is UTF-8 ('{word}' would read as '{garbled}' in Windows-1252), but the \
                         mapping says encoding = \"windows-1252\": set encoding = \"utf-8\""
                    ),
                );
            }
        }
    }
    match (endings, scan.first_lf, scan.first_crlf) {
        (LineEnding::Crlf, Some(line), _) => fail(
            line,
            "line ends in LF only, but the mapping says line_ending = \"crlf\": set line_ending = \"lf\" \
             or \"auto\""
                .into(),
        ),
        (LineEnding::Lf, _, Some(line)) => fail(
            line,
            "line ends in CRLF, but the mapping says line_ending = \"lf\": set line_ending = \"crlf\" or \
             \"auto\""
                .into(),
        ),
        _ => Ok(()),
    }
}

/// Decodes one line (without terminator; line 1 may start with a BOM, which is skipped).
pub fn decode(bytes: &[u8], line: u64, encoding: TextEncoding) -> Result<Cow<'_, str>, Rejection> {
    let bytes = if line == 1 { bytes.strip_prefix(BOM).unwrap_or(bytes) } else { bytes };
    match encoding {
        TextEncoding::Utf8 => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            Rejection::row(Reason::InvalidUtf8, format!("invalid UTF-8 at byte {}", e.valid_up_to()))
        }),
        TextEncoding::Windows1252 => Ok(decode_1252(bytes)),
    }
}

fn decode_1252(bytes: &[u8]) -> Cow<'_, str> {
    encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0
}

/// The word around the first non-ASCII character (at most 40 characters), to show the user.
fn sample_word(text: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let Some(at) = text.find(|c: char| !c.is_ascii()) else { return String::new() };
    let start = text[..at].rfind(|c: char| !is_word(c)).map_or(0, |i| i + 1);
    let end = text[at..].find(|c: char| !is_word(c) && c.is_ascii()).map_or(text.len(), |i| at + i);
    text[start..end].chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_bytes(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf, Scan) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, bytes).unwrap();
        let s = scan(&path, false).unwrap();
        (dir, path, s)
    }

    #[test]
    fn windows_1252_read_as_utf8_is_one_fatal_error_naming_the_setting() {
        let (_d, path, s) = scan_bytes(b"a;b\r\n1;F\xFChrerschein\r\n2;Ummeldung\r\n");
        assert_eq!(s.invalid, Some((2, 0xFC, "Führerschein".to_string())));
        let err = check(&path, &s, TextEncoding::Utf8, LineEnding::Auto).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("encoding = \"windows-1252\""), "{err}");
        assert!(err.contains("'Führerschein'"), "{err}");
        check(&path, &s, TextEncoding::Windows1252, LineEnding::Crlf).unwrap();
    }

    #[test]
    fn utf8_read_as_windows_1252_is_refused_too() {
        let (_d, path, s) = scan_bytes("a;b\n1;Führerschein\n".as_bytes());
        let err = check(&path, &s, TextEncoding::Windows1252, LineEnding::Auto).unwrap_err().to_string();
        assert!(err.contains("'FÃ¼hrerschein'") && err.contains("encoding = \"utf-8\""), "{err}");
        let (_d, path, s) = scan_bytes(b"\xEF\xBB\xBFa;b\n1;x\n");
        assert!(s.bom);
        assert!(check(&path, &s, TextEncoding::Windows1252, LineEnding::Auto).is_err());
        check(&path, &s, TextEncoding::Utf8, LineEnding::Lf).unwrap();
    }

    #[test]
    fn a_utf8_file_with_one_corrupt_row_is_not_fatal() {
        let (_d, path, s) = scan_bytes(b"a;b\n1;F\xC3\xBChrerschein\n2;F\xFChrerschein\n");
        assert_eq!((s.utf8_text_lines, s.invalid_lines), (1, 1));
        check(&path, &s, TextEncoding::Utf8, LineEnding::Auto).unwrap();
        assert_eq!(decode(b"F\xFCr", 3, TextEncoding::Utf8).unwrap_err().reason, Reason::InvalidUtf8);
    }

    #[test]
    fn declared_line_endings_are_checked() {
        let (_d, path, s) = scan_bytes(b"a;b\r\n1;2\n3;4");
        assert_eq!((s.first_crlf, s.first_lf), (Some(1), Some(2)));
        let err = check(&path, &s, TextEncoding::Utf8, LineEnding::Crlf).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("line_ending"), "{err}");
        assert!(check(&path, &s, TextEncoding::Utf8, LineEnding::Lf).is_err());
        check(&path, &s, TextEncoding::Utf8, LineEnding::Auto).unwrap();
    }

    #[test]
    fn decoding_skips_the_bom_on_line_one_only() {
        assert_eq!(decode(b"\xEF\xBB\xBFDatum", 1, TextEncoding::Utf8).unwrap(), "Datum");
        assert_eq!(decode(b"Gr\xFC\xDFe", 2, TextEncoding::Windows1252).unwrap(), "Grüße");
        assert_eq!(sample_word("1;An-/Ummeldung Führerschein-Umtausch;x"), "Führerschein-Umtausch");
    }
}
