//! Page rewriting (`spec/originals.md` §5.2): the pure text rules wecos applies to the `.wxml`
//! and `.wxss` files of a mini-program package. No I/O here.
//!
//! - [`rewrite_image_sources`]: after an upload, point `<image>`/`<cover-image>` `src` values
//!   that name the uploaded file at its URL.
//! - [`replace_host`]: at start-up, swap `replaceHost` for `targetHost` in those `src` values
//!   and in CSS `background(-image): url(...)` values.
//! - [`target_url`], [`target_origin`]: the URL written into pages for an uploaded object.
//! - [`resolve_source`]: the app-relative file a `src` value names.
//!
//! The original (`tencentyun/wecos` `lib/task.js`) used the regular expression
//! `<image.*?src=['|"](.*?)['|"]`; this is a small scanner instead, so that attributes may span
//! lines, quotes pair up, `data-src` is not `src` and comments are skipped. It works on bytes
//! and only ever cuts the text next to ASCII delimiters (`<`, quotes, whitespace, …), which are
//! never inside a multi-byte UTF-8 character; every access is checked (`get`), so no input
//! panics. Everything outside a changed value is copied byte for byte.
//!
//! Markup rules, where the spec is silent:
//! - Only `<image` and `<cover-image` open a tag of interest (exact, lowercase, then whitespace,
//!   `/` or `>`); any other `<` is plain text, so `{{a < b}}` in text needs no care.
//! - `<!-- … -->` is skipped; an unterminated comment hides the rest of the text.
//! - Attribute values: double- or single-quoted (may span lines, may contain `>` and the other
//!   quote), or unquoted (ending at whitespace, `>` or `/>`). The first `src` of a tag counts,
//!   as in HTML.
//! - A tag without its closing `>` leaves the rest of the text untouched. A `<` where an
//!   attribute name should start abandons the tag (it is not rewritten) and scanning resumes
//!   at that `<`.

mod css;
mod markup;

use percent_encoding::percent_decode_str;

use css::{css_background_url_spans, render_css_url};
use markup::{image_src_spans, render_attribute_value};

/// What a rewrite did: the new text and how many values changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    /// The rewritten text; equal to the input when `replaced` is 0.
    pub text: String,
    /// How many `src` or `url()` values were changed (a value replaced by itself is not counted).
    pub replaced: usize,
}

/// Rewrite the `src` attribute of every `<image …>` and `<cover-image …>` tag in `text` (the
/// contents of a `.wxml` or `.wxss` file at `page`, a path relative to the app directory using
/// `/` separators, e.g. "pages/index/index.wxml"), when the value resolves to a file for which
/// `url_for` returns Some(url): the value is replaced by that URL, everything else is kept byte
/// for byte (quote character, other attributes, whitespace, line endings).
///
/// Rule (§5.2 "Reference rewriting"): `src` of `<image>` and `<cover-image>` (since 410efdb)
/// in `.wxml` and `.wxss` files alike (the original scanned both with the same expression); a
/// value is resolved with [`resolve_source`]. CSS `url(...)` is never rewritten here (§5.2:
/// "not rewritten to the COS URL"). See the module docs for the markup rules.
///
/// Our choices where the spec is silent:
/// - A value containing `%` whose raw form resolves to no URL is tried once more
///   percent-decoded (UTF-8), so `/images/%E5%9B%BE.png` finds `images/图.png`; the raw form
///   wins, as a file name may contain `%` literally.
/// - The URL goes verbatim inside the original quotes; an occurrence of that quote character
///   in the URL is written `%22` / `%27` so the markup stays well-formed. An unquoted value is
///   replaced unquoted unless the URL holds whitespace, a quote, `=`, `<`, `>`, `` ` `` or
///   ends with `/`: then it is put in double quotes.
///
/// Running it again on its output with the same `url_for` changes nothing, as long as the URLs
/// are absolute (they no longer resolve to a local file).
pub fn rewrite_image_sources(
    text: &str,
    page: &str,
    url_for: &dyn Fn(&str) -> Option<String>,
) -> Rewritten {
    let edits = image_src_spans(text)
        .into_iter()
        .filter_map(|span| {
            let raw = text.get(span.start..span.end)?;
            let url = uploaded_url(page, raw, url_for)?;
            Some(Edit {
                replacement: render_attribute_value(&url, span.quote),
                span,
            })
        })
        .collect();
    apply_edits(text, edits)
}

/// Resolve a `src` value found in `page` to a normalized app-relative path ("images/a.png"):
/// "/x/y.png" is relative to the app directory, anything else relative to the page's folder;
/// "." and ".." segments are resolved; None for values that are not local files (http:, https:,
/// "//host", data:, wxfile:, cloud:, any other "scheme:"), contain a WXML data binding `{{`,
/// are empty, or escape the app directory.
///
/// Rule: §5.2 "`/x` = relative to appDir, otherwise relative to the containing file". The
/// value is taken as is: no percent-decoding, no trimming, no query stripping (`a.png?v=1`
/// names no file, as in the original's `path.resolve`); only `/` separates segments
/// (a backslash is part of a name); empty segments collapse (`a//b` = `a/b`). `page` is
/// normalized the same way. A result naming the app directory itself (`"/"`, `"."`) is None.
pub fn resolve_source(page: &str, value: &str) -> Option<String> {
    if value.is_empty() || value.contains("{{") || value.starts_with("//") || is_scheme(value) {
        return None;
    }
    let mut segments = Vec::new();
    if let Some(from_root) = value.strip_prefix('/') {
        push_segments(&mut segments, from_root)?;
    } else {
        let folder = page.rsplit_once('/').map_or("", |(folder, _file)| folder);
        push_segments(&mut segments, folder)?;
        push_segments(&mut segments, value)?;
    }
    (!segments.is_empty()).then(|| segments.join("/"))
}

/// At start-up, when both replaceHost and targetHost are set (§5.2 "Host replacement"): every
/// `<image>`/`<cover-image>` `src` and every CSS `url(...)` value (in `background` /
/// `background-image` declarations of .wxss files and of inline `style` attributes in .wxml)
/// that starts with `replace_host` gets that prefix swapped for `target_host` (normalized by
/// `target_origin`). Everything else byte for byte.
///
/// Our choices where the spec is silent:
/// - Either argument empty (after trimming whitespace and trailing `/`) → text unchanged.
/// - The prefix must end at a boundary: the value continues with `/`, `?`, `#` or ends, so
///   `http://a.com` does not match `http://a.com.cn/x.png`. Comparison is exact (case-sensitive).
/// - A `replace_host` without a scheme (`wx-1.myqcloud.com`) matches that host after any
///   scheme or `//`.
/// - The scheme a schemeless `target_host` gets is the value's own ([`target_origin`]).
/// - A `src` containing a `{{ }}` binding is still host-replaced (only the prefix changes).
/// - Declarations are found by property name (`background` or `background-image`, ASCII
///   case-insensitive, not part of a longer name); a declaration ends at `;`, `{`, `}`, `<`,
///   `>` or a quote outside `url(...)` (the end of an inline `style`). CSS strings may not
///   span lines. A quote character in the new URL is written `%22`/`%27`; in an unquoted
///   `url()` whitespace, quotes and parentheses are percent-encoded.
/// - `<!-- … -->` comments are skipped here too.
pub fn replace_host(text: &str, replace_host: &str, target_host: &str) -> Rewritten {
    let prefix = trim_host(replace_host);
    let target = trim_host(target_host);
    if prefix.is_empty() || target.is_empty() {
        return apply_edits(text, Vec::new());
    }
    let mut edits = Vec::new();
    for span in image_src_spans(text) {
        if let Some(value) = text.get(span.start..span.end)
            && let Some(swapped) = swap_prefix(value, prefix, target)
        {
            let replacement = render_attribute_value(&swapped, span.quote);
            edits.push(Edit { span, replacement });
        }
    }
    for span in css_background_url_spans(text) {
        if let Some(value) = text.get(span.start..span.end)
            && let Some(swapped) = swap_prefix(value, prefix, target)
        {
            let replacement = render_css_url(&swapped, span.quote);
            edits.push(Edit { span, replacement });
        }
    }
    apply_edits(text, edits)
}

/// The URL to write into pages for an uploaded object whose store URL is `uploaded`
/// (§5.2: "if targetHost is set, the uploaded URL's origin (and replaceHost) are swapped for
/// targetHost (scheme defaults to the URL's own scheme if omitted)"). `target_host` empty →
/// `uploaded` unchanged. Examples: (`"https://b-1.cos.ap-guangzhou.myqcloud.com/a/b.png"`,
/// `"cdn.example.com"`, `""`) → `"https://cdn.example.com/a/b.png"`; target
/// `"http://cdn.example.com/"` → `"http://cdn.example.com/a/b.png"`; when `uploaded` starts with a non-empty `replace_host`,
/// that prefix is what gets swapped.
///
/// The prefix match follows [`replace_host`] (boundary after the prefix, schemeless hosts).
/// Otherwise the origin is `scheme://authority` (or `//authority`), up to the first `/`, `?`
/// or `#`; path, query and fragment are kept byte for byte. An `uploaded` that is not an
/// absolute URL is returned unchanged.
pub fn target_url(uploaded: &str, target_host: &str, replace_host: &str) -> String {
    let target = trim_host(target_host);
    if target.is_empty() {
        return uploaded.to_owned();
    }
    let prefix = trim_host(replace_host);
    if !prefix.is_empty()
        && let Some(swapped) = swap_prefix(uploaded, prefix, target)
    {
        return swapped;
    }
    let Some((scheme, after_slashes)) = split_authority(uploaded) else {
        return uploaded.to_owned();
    };
    let path_at = after_slashes
        .find(['/', '?', '#'])
        .unwrap_or(after_slashes.len());
    let rest = after_slashes.get(path_at..).unwrap_or_default();
    format!("{}{rest}", target_origin(target, scheme))
}

/// `target_host` as an origin to put before a path: trimmed, without trailing `/`, with
/// `scheme` (the scheme of the URL being rewritten, e.g. `"https"`) when it has none (§5.2:
/// "scheme defaults to the URL's own scheme if omitted"; README: `http://` may be omitted).
/// `scheme` empty (a `//host` URL) keeps the result protocol-relative.
///
/// `("cdn.example.com", "https")` → `"https://cdn.example.com"`;
/// `("http://cdn.example.com/", "https")` → `"http://cdn.example.com"`;
/// `("//cdn.example.com", "http")` → `"http://cdn.example.com"`. A path in `target_host` is
/// kept (`"cdn.example.com/static"` → `"https://cdn.example.com/static"`).
pub fn target_origin(target_host: &str, scheme: &str) -> String {
    let target = trim_host(target_host);
    if split_authority(target).is_some_and(|(s, _)| !s.is_empty()) {
        return target.to_owned();
    }
    let host = target.strip_prefix("//").unwrap_or(target);
    if scheme.is_empty() {
        format!("//{host}")
    } else {
        format!("{scheme}://{host}")
    }
}

/// Where one value sits in the text: the byte range without its quotes, and the quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ValueSpan {
    start: usize,
    end: usize,
    quote: Option<u8>,
}

/// One value to replace.
struct Edit {
    span: ValueSpan,
    replacement: String,
}

/// `url_for` of the resolved value, else (for a value with `%`) of the percent-decoded one.
fn uploaded_url(page: &str, raw: &str, url_for: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(url) = resolve_source(page, raw).and_then(|path| url_for(&path)) {
        return Some(url);
    }
    if !raw.contains('%') {
        return None;
    }
    let decoded = percent_decode_str(raw).decode_utf8().ok()?;
    if decoded == raw {
        return None;
    }
    resolve_source(page, &decoded).and_then(|path| url_for(&path))
}

/// Replace the spans (sorted here; a span overlapping an earlier one is dropped) and count the
/// values that actually changed.
fn apply_edits(text: &str, mut edits: Vec<Edit>) -> Rewritten {
    edits.sort_by_key(|edit| edit.span.start);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut replaced = 0;
    for Edit { span, replacement } in edits {
        let (Some(before), Some(old)) =
            (text.get(copied..span.start), text.get(span.start..span.end))
        else {
            continue;
        };
        if old == replacement {
            continue;
        }
        out.push_str(before);
        out.push_str(&replacement);
        copied = span.end;
        replaced += 1;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Rewritten {
        text: out,
        replaced,
    }
}

/// `value` with `prefix` (trimmed, non-empty) swapped for `target`'s origin, if it matches.
fn swap_prefix(value: &str, prefix: &str, target: &str) -> Option<String> {
    let (scheme, rest) = match_prefix(value, prefix)?;
    Some(format!("{}{rest}", target_origin(target, scheme)))
}

/// If `value` starts with `prefix` at a boundary: the value's scheme (`""` for `//host`) and
/// what follows the prefix. A schemeless `prefix` matches after any `scheme://` or `//`.
fn match_prefix<'v>(value: &'v str, prefix: &str) -> Option<(&'v str, &'v str)> {
    let (scheme, rest) = if prefix.starts_with("//") || split_authority(prefix).is_some() {
        let scheme = split_authority(value).map_or("", |(scheme, _)| scheme);
        (scheme, value.strip_prefix(prefix)?)
    } else {
        let (scheme, after_slashes) = split_authority(value)?;
        (scheme, after_slashes.strip_prefix(prefix)?)
    };
    let at_boundary = rest.is_empty() || rest.starts_with(['/', '?', '#']);
    at_boundary.then_some((scheme, rest))
}

/// `scheme://rest` → (scheme, rest); `//rest` → ("", rest).
fn split_authority(url: &str) -> Option<(&str, &str)> {
    if let Some(rest) = url.strip_prefix("//") {
        return Some(("", rest));
    }
    let (scheme, rest) = url.split_once("://")?;
    is_scheme_name(scheme).then_some((scheme, rest))
}

/// `value` starts with `scheme:` (RFC 3986 scheme syntax).
fn is_scheme(value: &str) -> bool {
    value
        .split_once(':')
        .is_some_and(|(scheme, _)| is_scheme_name(scheme))
}

fn is_scheme_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|c| c.is_ascii_alphabetic())
        && bytes.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
}

/// A configured host: whitespace and trailing `/` removed.
fn trim_host(host: &str) -> &str {
    host.trim().trim_end_matches('/')
}

/// Push `path`'s segments onto `stack`, resolving `.` and `..`; None when `..` goes above the
/// bottom of the stack (the app directory).
fn push_segments<'a>(stack: &mut Vec<&'a str>, path: &'a str) -> Option<()> {
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                stack.pop()?;
            }
            name => stack.push(name),
        }
    }
    Some(())
}

/// `url` with the `quote` character percent-encoded, so it fits between such quotes.
fn escape_quote(url: &str, quote: u8) -> String {
    match quote {
        b'"' => url.replace('"', "%22"),
        _ => url.replace('\'', "%27"),
    }
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

fn find_byte(b: &[u8], from: usize, needle: u8) -> Option<usize> {
    let offset = b.get(from..)?.iter().position(|&c| c == needle)?;
    Some(from + offset)
}

/// `needle` is a non-empty constant.
fn find_seq(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(from);
    }
    let offset = b
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)?;
    Some(from + offset)
}

fn starts_with_at(b: &[u8], at: usize, prefix: &[u8]) -> bool {
    b.get(at..).is_some_and(|rest| rest.starts_with(prefix))
}

fn starts_with_ci_at(b: &[u8], at: usize, prefix: &[u8]) -> bool {
    b.get(at..at + prefix.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests;
