//! Splitting one delimited text line into fields, RFC 4180 quoting, without allocating
//! for unquoted fields. Records span exactly one physical line, so line numbers and raw
//! lines in the quarantine are exact.

use std::borrow::Cow;

/// Splits `line` (without its line terminator) at `delim`, unquoting `"…"` fields and
/// trimming spaces/tabs around each value. Returns `None` when a quote is left open or
/// text follows a closing quote.
pub fn split_line<'a>(line: &'a str, delim: u8, out: &mut Vec<Cow<'a, str>>) -> Option<()> {
    out.clear();
    let bytes = line.as_bytes();
    let mut start = 0;
    loop {
        // Skip leading blanks so ` "a,b"` is still a quoted field.
        let mut i = start;
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') && bytes[i] != delim {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'"' {
            let (value, next) = quoted(line, i + 1, delim)?;
            out.push(value);
            match next {
                Some(n) => start = n,
                None => return Some(()),
            }
        } else {
            match bytes[start..].iter().position(|&b| b == delim) {
                Some(p) => {
                    out.push(Cow::Borrowed(trim(&line[start..start + p])));
                    start = start + p + 1;
                }
                None => {
                    out.push(Cow::Borrowed(trim(&line[start..])));
                    return Some(());
                }
            }
        }
    }
}

/// Reads a quoted field whose content starts at `from`; returns the value and the start
/// of the next field (`None` at end of line).
fn quoted(line: &str, from: usize, delim: u8) -> Option<(Cow<'_, str>, Option<usize>)> {
    let bytes = line.as_bytes();
    let mut value = String::new();
    let mut seg = from;
    let mut i = from;
    loop {
        if i >= bytes.len() {
            return None; // unterminated quote
        }
        if bytes[i] == b'"' {
            if bytes.get(i + 1) == Some(&b'"') {
                value.push_str(&line[seg..=i]);
                i += 2;
                seg = i;
                continue;
            }
            value.push_str(&line[seg..i]);
            // After the closing quote only blanks may stand before the delimiter.
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') && bytes[j] != delim {
                j += 1;
            }
            let trimmed = value.trim_matches([' ', '\t']);
            let value = if trimmed.len() == value.len() { value } else { trimmed.to_string() };
            return match bytes.get(j) {
                None => Some((Cow::Owned(value), None)),
                Some(&b) if b == delim => Some((Cow::Owned(value), Some(j + 1))),
                Some(_) => None,
            };
        }
        i += 1;
    }
}

fn trim(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn split(line: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        split_line(line, b',', &mut out)?;
        Some(out.into_iter().map(|c| c.into_owned()).collect())
    }

    #[test]
    fn plain_quoted_and_trimmed() {
        assert_eq!(split("a,b,,c").unwrap(), ["a", "b", "", "c"]);
        assert_eq!(split(" a , b ").unwrap(), ["a", "b"]);
        assert_eq!(split(r#""x,y", "say ""hi""" ,z"#).unwrap(), ["x,y", r#"say "hi""#, "z"]);
        assert_eq!(split("").unwrap(), [""]);
        assert_eq!(split("a,").unwrap(), ["a", ""]);
    }

    #[test]
    fn malformed_quotes_are_none() {
        assert_eq!(split(r#"a,"open"#), None);
        assert_eq!(split(r#""closed"junk,b"#), None);
    }

    fn quote(field: &str) -> String {
        if field.contains([',', '"']) || field != field.trim() {
            format!("\"{}\"", field.replace('"', "\"\""))
        } else {
            field.to_string()
        }
    }

    proptest! {
        #[test]
        fn round_trips_quoted_fields(fields in proptest::collection::vec("[a-zA-Z0-9 ,\"äß:+-]{0,12}", 1..12)) {
            let line = fields.iter().map(|f| quote(f)).collect::<Vec<_>>().join(",");
            let expected: Vec<String> = fields.iter().map(|f| f.trim_matches([' ', '\t']).to_string()).collect();
            prop_assert_eq!(split(&line), Some(expected));
        }

        #[test]
        fn never_panics(line in "\\PC{0,40}") {
            let _ = split(&line);
        }
    }
}
