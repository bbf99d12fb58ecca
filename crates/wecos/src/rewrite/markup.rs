//! The WXML side of [`super`]: `<image>`/`<cover-image>` tags, their attributes and the `src`
//! value, and how a URL is written back into an attribute (see the markup rules in the parent
//! module's documentation).

use super::{ValueSpan, escape_quote, find_byte, find_seq, skip_space, starts_with_at};

/// The tags whose `src` is rewritten (§5.2; `cover-image` since 410efdb, 2018).
const IMAGE_TAGS: [&[u8]; 2] = [b"image", b"cover-image"];

/// The `src` value of every well-formed image tag outside comments, in text order.
pub(super) fn image_src_spans(text: &str) -> Vec<ValueSpan> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while let Some(lt) = find_byte(b, i, b'<') {
        if starts_with_at(b, lt, b"<!--") {
            match find_seq(b, lt + 4, b"-->") {
                Some(close) => i = close + 3,
                None => break,
            }
            continue;
        }
        let Some(name_end) = image_tag_name_end(b, lt) else {
            i = lt + 1;
            continue;
        };
        match scan_attributes(b, name_end) {
            TagScan::Complete { end, src } => {
                spans.extend(src);
                i = end;
            }
            TagScan::Abandoned { at } => i = at,
            TagScan::Unterminated => break,
        }
    }
    spans
}

/// After `<image` or `<cover-image` at `lt`, followed by whitespace, `/` or `>`: where the
/// attributes start.
fn image_tag_name_end(b: &[u8], lt: usize) -> Option<usize> {
    IMAGE_TAGS.iter().find_map(|name| {
        let end = lt + 1 + name.len();
        let delimited = b
            .get(end)
            .is_some_and(|&c| c.is_ascii_whitespace() || c == b'/' || c == b'>');
        (starts_with_at(b, lt + 1, name) && delimited).then_some(end)
    })
}

/// How the attributes of a tag ended.
enum TagScan {
    /// At `>`; `end` is just after it.
    Complete { end: usize, src: Option<ValueSpan> },
    /// A `<` at `at` where an attribute name should start.
    Abandoned { at: usize },
    /// The text ended inside the tag.
    Unterminated,
}

/// Read attributes from `i` up to the tag's closing `>`, remembering the first `src` value.
fn scan_attributes(b: &[u8], mut i: usize) -> TagScan {
    let mut src = None;
    loop {
        i = skip_space(b, i);
        let Some(&c) = b.get(i) else {
            return TagScan::Unterminated;
        };
        match c {
            b'>' => return TagScan::Complete { end: i + 1, src },
            b'/' => i += 1,
            b'<' => return TagScan::Abandoned { at: i },
            b'"' | b'\'' => match find_byte(b, i + 1, c) {
                // A stray quoted string: skipped whole, so a `>` in it does not end the tag.
                Some(close) => i = close + 1,
                None => return TagScan::Unterminated,
            },
            _ => {
                let name_start = i;
                while b.get(i).is_some_and(|&c| !is_attribute_name_end(c)) {
                    i += 1;
                }
                let name = b.get(name_start..i).unwrap_or_default();
                let after_name = skip_space(b, i);
                if b.get(after_name) != Some(&b'=') {
                    continue; // a boolean attribute such as `lazy-load`
                }
                let Some((span, end)) = attribute_value(b, skip_space(b, after_name + 1)) else {
                    return TagScan::Unterminated;
                };
                if name == b"src" && src.is_none() {
                    src = Some(span);
                }
                i = end;
            }
        }
    }
}

fn is_attribute_name_end(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b'=' | b'>' | b'/' | b'"' | b'\'' | b'<')
}

/// The value starting at `i` (just after `=` and whitespace) and where it ends; None when the
/// text ends inside it.
fn attribute_value(b: &[u8], i: usize) -> Option<(ValueSpan, usize)> {
    match *b.get(i)? {
        quote @ (b'"' | b'\'') => {
            let close = find_byte(b, i + 1, quote)?;
            let span = ValueSpan {
                start: i + 1,
                end: close,
                quote: Some(quote),
            };
            Some((span, close + 1))
        }
        _ => {
            let mut end = i;
            loop {
                match *b.get(end)? {
                    c if c.is_ascii_whitespace() || c == b'>' => break,
                    b'/' if b.get(end + 1) == Some(&b'>') => break,
                    _ => end += 1,
                }
            }
            let span = ValueSpan {
                start: i,
                end,
                quote: None,
            };
            Some((span, end))
        }
    }
}

/// A URL as an attribute value written with `quote` (`None`: originally unquoted).
pub(super) fn render_attribute_value(url: &str, quote: Option<u8>) -> String {
    match quote {
        Some(quote) => escape_quote(url, quote),
        None if needs_attribute_quotes(url) => format!("\"{}\"", escape_quote(url, b'"')),
        None => url.to_owned(),
    }
}

/// Whether an unquoted attribute value `url` would be misread (HTML's unquoted-value rule, plus
/// a trailing `/`, which would read as part of `/>`).
fn needs_attribute_quotes(url: &str) -> bool {
    url.is_empty()
        || url.ends_with('/')
        || url.bytes().any(|c| {
            c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'=' | b'<' | b'>' | b'`')
        })
}
