//! A strict JSON syntax check (RFC 8259) for string literals written to JSON columns; the
//! checker runs in a build script and does not pull a JSON library for this one question.

/// Whether `text` is one JSON value, surrounded by optional whitespace.
pub fn is_json(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    skip_ws(b, &mut i);
    if !value(b, &mut i, 0) {
        return false;
    }
    skip_ws(b, &mut i);
    i == b.len()
}

/// Deeper documents are refused, as serde_json refuses them (its limit is 128).
const MAX_DEPTH: usize = 128;

fn skip_ws(b: &[u8], i: &mut usize) {
    while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
        *i += 1;
    }
}

fn value(b: &[u8], i: &mut usize, depth: usize) -> bool {
    if depth >= MAX_DEPTH {
        return false;
    }
    match b.get(*i) {
        Some(b'{') => sequence(b, i, b'}', |b, i| {
            string(b, i)
                && {
                    skip_ws(b, i);
                    b.get(*i) == Some(&b':')
                }
                && {
                    *i += 1;
                    skip_ws(b, i);
                    value(b, i, depth + 1)
                }
        }),
        Some(b'[') => sequence(b, i, b']', |b, i| value(b, i, depth + 1)),
        Some(b'"') => string(b, i),
        Some(b't') => word(b, i, b"true"),
        Some(b'f') => word(b, i, b"false"),
        Some(b'n') => word(b, i, b"null"),
        Some(b'-' | b'0'..=b'9') => number(b, i),
        _ => false,
    }
}

/// `{…}` or `[…]` at `b[*i]`: items separated by commas up to `close`.
fn sequence(b: &[u8], i: &mut usize, close: u8, item: impl Fn(&[u8], &mut usize) -> bool) -> bool {
    *i += 1;
    skip_ws(b, i);
    if b.get(*i) == Some(&close) {
        *i += 1;
        return true;
    }
    loop {
        skip_ws(b, i);
        if !item(b, i) {
            return false;
        }
        skip_ws(b, i);
        match b.get(*i) {
            Some(b',') => *i += 1,
            Some(&c) if c == close => {
                *i += 1;
                return true;
            }
            _ => return false,
        }
    }
}

fn word(b: &[u8], i: &mut usize, w: &[u8]) -> bool {
    if b[*i..].starts_with(w) {
        *i += w.len();
        true
    } else {
        false
    }
}

fn digits(b: &[u8], i: &mut usize) -> usize {
    let start = *i;
    while *i < b.len() && b[*i].is_ascii_digit() {
        *i += 1;
    }
    *i - start
}

fn number(b: &[u8], i: &mut usize) -> bool {
    if b.get(*i) == Some(&b'-') {
        *i += 1;
    }
    match b.get(*i) {
        Some(b'0') => *i += 1,
        Some(b'1'..=b'9') => {
            digits(b, i);
        }
        _ => return false,
    }
    if b.get(*i) == Some(&b'.') {
        *i += 1;
        if digits(b, i) == 0 {
            return false;
        }
    }
    if matches!(b.get(*i), Some(b'e' | b'E')) {
        *i += 1;
        if matches!(b.get(*i), Some(b'+' | b'-')) {
            *i += 1;
        }
        if digits(b, i) == 0 {
            return false;
        }
    }
    true
}

fn string(b: &[u8], i: &mut usize) -> bool {
    if b.get(*i) != Some(&b'"') {
        return false;
    }
    *i += 1;
    while let Some(&c) = b.get(*i) {
        *i += 1;
        match c {
            b'"' => return true,
            b'\\' => match b.get(*i) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => *i += 1,
                Some(b'u') => {
                    if b.len() < *i + 5 || !b[*i + 1..*i + 5].iter().all(u8::is_ascii_hexdigit) {
                        return false;
                    }
                    *i += 5;
                }
                _ => return false,
            },
            0x00..=0x1f => return false,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn accepts_json_and_refuses_the_rest() {
        for ok in [
            "{}",
            " [ ] ",
            r#"{"a": [1, -2.5e3, true, false, null, "x\"\u00e9"]}"#,
            "0",
            "\"\"",
            "{\"k\":{\"n\":{}}}",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in [
            "",
            "{",
            "{'a': 1}",
            "[1,]",
            "01",
            "1.",
            "-",
            "tru",
            "{} {}",
            "\"\t\"",
            "[1] x",
            "\"\\x\"",
            "NaN",
            "{\"a\" 1}",
        ] {
            assert!(!is_json(bad), "{bad}");
        }
        assert!(!is_json(&"[".repeat(200)));
    }
}
