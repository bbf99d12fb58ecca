//! The CSS side of [`super`]: the `url(...)` values of `background` / `background-image`
//! declarations (in `.wxss` files and inline `style` attributes), and how a URL is written back
//! into one. Only host replacement touches them (`spec/originals.md` §5.2).

use super::{ValueSpan, escape_quote, find_seq, skip_space, starts_with_at, starts_with_ci_at};

/// The `url(...)` values of `background` / `background-image` declarations outside comments.
pub(super) fn css_background_url_spans(text: &str) -> Vec<ValueSpan> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if starts_with_at(b, i, b"<!--") {
            match find_seq(b, i + 4, b"-->") {
                Some(close) => i = close + 3,
                None => break,
            }
            continue;
        }
        match background_value_start(b, i) {
            Some(value) => i = scan_declaration_value(b, value, &mut spans),
            None => i += 1,
        }
    }
    spans
}

/// At `i`, `background` or `background-image` (not part of a longer name), whitespace and `:`:
/// where the value starts.
fn background_value_start(b: &[u8], i: usize) -> Option<usize> {
    let preceded_by_name = i
        .checked_sub(1)
        .and_then(|p| b.get(p))
        .is_some_and(|&c| is_css_name_byte(c));
    if preceded_by_name || !starts_with_ci_at(b, i, b"background") {
        return None;
    }
    let mut end = i + b"background".len();
    if starts_with_ci_at(b, end, b"-image") {
        end += b"-image".len();
    }
    if b.get(end).is_some_and(|&c| is_css_name_byte(c)) {
        return None;
    }
    let colon = skip_space(b, end);
    (b.get(colon) == Some(&b':')).then_some(colon + 1)
}

/// Collect the `url()` values of one declaration value; returns where it ends.
fn scan_declaration_value(b: &[u8], mut i: usize, spans: &mut Vec<ValueSpan>) -> usize {
    while let Some(&c) = b.get(i) {
        match c {
            b';' | b'{' | b'}' | b'<' | b'>' | b'"' | b'\'' => return i,
            b'u' | b'U'
                if starts_with_ci_at(b, i, b"url(")
                    && !i
                        .checked_sub(1)
                        .and_then(|p| b.get(p))
                        .is_some_and(|&before| is_css_name_byte(before)) =>
            {
                match url_argument(b, i + 4) {
                    Some((span, end)) => {
                        spans.push(span);
                        i = end;
                    }
                    None => i += 4,
                }
            }
            _ => i += 1,
        }
    }
    i
}

/// The argument of `url(` opened just before `i` and the index after its `)`; None when
/// malformed (no `)`, a string crossing a line, …).
fn url_argument(b: &[u8], i: usize) -> Option<(ValueSpan, usize)> {
    let start = skip_space(b, i);
    let (span, after) = match *b.get(start)? {
        quote @ (b'"' | b'\'') => {
            let body = start + 1;
            let len = b
                .get(body..)?
                .iter()
                .position(|&c| c == quote || matches!(c, b'\n' | b'\r' | b'\x0C'))?;
            if b.get(body + len) != Some(&quote) {
                return None;
            }
            let span = ValueSpan {
                start: body,
                end: body + len,
                quote: Some(quote),
            };
            (span, body + len + 1)
        }
        _ => {
            let len = b.get(start..)?.iter().position(|&c| {
                c.is_ascii_whitespace()
                    || matches!(c, b'(' | b')' | b'"' | b'\'' | b';' | b'<' | b'>')
            })?;
            let span = ValueSpan {
                start,
                end: start + len,
                quote: None,
            };
            (span, start + len)
        }
    };
    let close = skip_space(b, after);
    (b.get(close) == Some(&b')')).then_some((span, close + 1))
}

/// Letters, digits, `-`, `_` and non-ASCII bytes continue a CSS name.
fn is_css_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_') || c >= 0x80
}

/// A URL as a CSS `url()` argument written with `quote` (`None`: unquoted).
pub(super) fn render_css_url(url: &str, quote: Option<u8>) -> String {
    match quote {
        Some(quote) => escape_quote(url, quote),
        None => {
            let mut out = String::with_capacity(url.len());
            for c in url.chars() {
                match c {
                    ' ' => out.push_str("%20"),
                    '\t' => out.push_str("%09"),
                    '\n' => out.push_str("%0A"),
                    '\r' => out.push_str("%0D"),
                    '\x0C' => out.push_str("%0C"),
                    '"' => out.push_str("%22"),
                    '\'' => out.push_str("%27"),
                    '(' => out.push_str("%28"),
                    ')' => out.push_str("%29"),
                    other => out.push(other),
                }
            }
            out
        }
    }
}
