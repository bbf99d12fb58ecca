//! Request parameters parsed into types that can only hold acceptable values ("parse, don't
//! validate"): [`PageNo`], [`VideoId`] and [`NewComment`].
//!
//! The original passed `pageNo` and `vid` straight into SQL (`spec/originals.md` §4): a missing
//! or non-numeric value became a SQL error and the failure envelope. Here every such value is
//! refused before any query runs, with the same envelope.

use std::num::NonZeroU32;

use crate::settings::CommentSettings;

/// Why a parameter was refused (logged; the client gets the original failure envelope).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// The parameter is absent.
    #[error("`{0}` is missing")]
    Missing(&'static str),
    /// Not a decimal number in `1..=4294967295`.
    #[error("`{0}` is not a number from 1 to 4294967295")]
    NotPositive(&'static str),
    /// Longer than the configured limit.
    #[error("`{field}` is longer than {max} characters")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// Empty or only white space.
    #[error("`{0}` is empty")]
    Empty(&'static str),
    /// Not an absolute http(s) URL.
    #[error("`{0}` is not an http(s) URL")]
    NotHttpUrl(&'static str),
    /// Holds a control character other than a line break or tab (see [`NewComment::parse`]).
    #[error("`{field}` holds the control character U+{code:04X}")]
    ControlCharacter {
        /// The field.
        field: &'static str,
        /// The character's code point.
        code: u32,
    },
}

/// Parse `1..=u32::MAX` from ASCII digits only: no sign, no spaces, no fraction, no exponent.
fn positive(field: &'static str, raw: Option<&str>) -> Result<NonZeroU32, ParamError> {
    let raw = raw.ok_or(ParamError::Missing(field))?;
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParamError::NotPositive(field));
    }
    raw.parse::<NonZeroU32>()
        .map_err(|_| ParamError::NotPositive(field))
}

/// A 1-based page number of `GET /video/list?pageNo=` (`spec/originals.md` §4).
///
/// Pages past the last one are valid and empty, as in the original (a valid `LIMIT` offset
/// beyond the rows); only values outside `1..=u32::MAX` are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNo(NonZeroU32);

impl PageNo {
    /// Parse the raw query value.
    ///
    /// # Errors
    /// [`ParamError::Missing`] or [`ParamError::NotPositive`].
    pub fn parse(raw: Option<&str>) -> Result<Self, ParamError> {
        positive("pageNo", raw).map(Self)
    }

    /// The page number.
    pub fn get(self) -> u32 {
        self.0.get()
    }

    /// Rows to skip for pages of `page_size` rows; cannot overflow (u32 × u32 < u64::MAX).
    pub fn offset(self, page_size: u32) -> u64 {
        u64::from(self.0.get() - 1) * u64::from(page_size)
    }
}

/// A video id, `vid` of `commentList` and `comment` (`video.id INT UNSIGNED`, ids start at 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VideoId(NonZeroU32);

impl VideoId {
    /// Parse the raw value (query string, form field, or a JSON number/string as text).
    ///
    /// # Errors
    /// [`ParamError::Missing`] or [`ParamError::NotPositive`].
    pub fn parse(raw: Option<&str>) -> Result<Self, ParamError> {
        positive("vid", raw).map(Self)
    }

    /// The id.
    pub fn get(self) -> u32 {
        self.0.get()
    }
}

/// The fields of `POST /video/comment` as they arrived (JSON scalars already turned to text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawComment {
    /// `vid`.
    pub vid: Option<String>,
    /// `nick`.
    pub nick: Option<String>,
    /// `avatar`.
    pub avatar: Option<String>,
    /// `content`.
    pub content: Option<String>,
}

/// A comment that may be stored: known-good lengths, a numeric video id, non-blank content.
///
/// `nick` and `avatar` may be empty (the original stored `NULL` when `wx.getUserInfo` gave
/// nothing); text is kept exactly as sent — no trimming, no normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    vid: VideoId,
    nick: String,
    avatar: String,
    content: String,
}

/// Refuse control characters (Unicode `Cc`: C0, DEL and C1) in `text`, except those `allowed`
/// lets through (looking at the character and the one after it).
fn no_controls(
    field: &'static str,
    text: &str,
    allowed: impl Fn(char, Option<char>) -> bool,
) -> Result<(), ParamError> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_control() && !allowed(c, chars.peek().copied()) {
            return Err(ParamError::ControlCharacter {
                field,
                code: u32::from(c),
            });
        }
    }
    Ok(())
}

/// The line breaks and tabs a text may hold: tab, LF, and CR only as the CR of a CRLF (what a
/// browser's form submission makes of every line break, HTML's "normalize line breaks").
fn text_break(c: char, next: Option<char>) -> bool {
    matches!(c, '\t' | '\n') || (c == '\r' && next == Some('\n'))
}

fn within(field: &'static str, text: &str, max: usize) -> Result<(), ParamError> {
    // Characters as MySQL's VARCHAR counts them: Unicode scalar values.
    if text.chars().count() > max {
        return Err(ParamError::TooLong { field, max });
    }
    Ok(())
}

impl NewComment {
    /// Check `raw` against `limits`.
    ///
    /// Control characters (Unicode `Cc`: C0 U+0000–U+001F, DEL, C1 U+0080–U+009F) are refused
    /// in `content` and `nick` except tab, LF and the CR of a CRLF — text that would otherwise
    /// carry NULs, terminal escapes or bare CRs into every client that lists it — and refused
    /// in `avatar` altogether (a URL has none).
    ///
    /// # Errors
    /// The first field that is missing, malformed or too long.
    pub fn parse(raw: RawComment, limits: &CommentSettings) -> Result<Self, ParamError> {
        let vid = VideoId::parse(raw.vid.as_deref())?;
        let content = raw.content.ok_or(ParamError::Missing("content"))?;
        if content.trim().is_empty() {
            return Err(ParamError::Empty("content"));
        }
        within("content", &content, limits.content_max_chars)?;
        no_controls("content", &content, text_break)?;
        let nick = raw.nick.unwrap_or_default();
        within("nick", &nick, limits.nick_max_chars)?;
        no_controls("nick", &nick, text_break)?;
        let avatar = raw.avatar.unwrap_or_default();
        within("avatar", &avatar, limits.avatar_max_chars)?;
        no_controls("avatar", &avatar, |_, _| false)?;
        if !avatar.is_empty() {
            let scheme = url::Url::parse(&avatar).map(|url| url.scheme().to_owned());
            if !matches!(scheme.as_deref(), Ok("http" | "https")) {
                return Err(ParamError::NotHttpUrl("avatar"));
            }
        }
        Ok(Self {
            vid,
            nick,
            avatar,
            content,
        })
    }

    /// The video commented on.
    pub fn vid(&self) -> VideoId {
        self.vid
    }

    /// The commenter's nickname (may be empty).
    pub fn nick(&self) -> &str {
        &self.nick
    }

    /// The commenter's avatar URL (empty or http(s)).
    pub fn avatar(&self) -> &str {
        &self.avatar
    }

    /// The comment text, as sent.
    pub fn content(&self) -> &str {
        &self.content
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_plain_positive_decimals() {
        assert_eq!(PageNo::parse(Some("1")).map(PageNo::get), Ok(1));
        assert_eq!(PageNo::parse(Some("007")).map(PageNo::get), Ok(7));
        assert_eq!(
            PageNo::parse(Some("4294967295")).map(PageNo::get),
            Ok(u32::MAX)
        );
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            " 1",
            "1.5",
            "1e2",
            "abc",
            "0x10",
            "4294967296",
        ] {
            assert_eq!(
                PageNo::parse(Some(bad)),
                Err(ParamError::NotPositive("pageNo")),
                "{bad:?}"
            );
        }
        assert_eq!(PageNo::parse(None), Err(ParamError::Missing("pageNo")));
    }

    #[test]
    fn the_offset_of_the_last_page_does_not_overflow() -> Result<(), ParamError> {
        assert_eq!(PageNo::parse(Some("1"))?.offset(6), 0);
        assert_eq!(PageNo::parse(Some("3"))?.offset(6), 12);
        let last = PageNo::parse(Some("4294967295"))?.offset(1000);
        assert_eq!(last, 4_294_967_294_000);
        Ok(())
    }

    fn raw(vid: &str, nick: &str, avatar: &str, content: &str) -> RawComment {
        RawComment {
            vid: Some(vid.into()),
            nick: Some(nick.into()),
            avatar: Some(avatar.into()),
            content: Some(content.into()),
        }
    }

    #[test]
    fn a_comment_keeps_its_text_exactly() -> Result<(), ParamError> {
        let limits = CommentSettings::default();
        let text = "  好看！👍🏽\n第二行 ";
        let comment = NewComment::parse(raw("3", "小明", "https://x.test/a.png", text), &limits)?;
        assert_eq!(comment.vid().get(), 3);
        assert_eq!(comment.content(), text);
        assert_eq!(comment.nick(), "小明");
        Ok(())
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let limits = CommentSettings {
            content_max_chars: 3,
            nick_max_chars: 2,
            ..CommentSettings::default()
        };
        assert!(NewComment::parse(raw("1", "小明", "", "😀😀😀"), &limits).is_ok());
        assert_eq!(
            NewComment::parse(raw("1", "小明", "", "😀😀😀😀"), &limits),
            Err(ParamError::TooLong {
                field: "content",
                max: 3
            })
        );
        assert_eq!(
            NewComment::parse(raw("1", "小明明", "", "ok"), &limits),
            Err(ParamError::TooLong {
                field: "nick",
                max: 2
            })
        );
    }

    #[test]
    fn missing_or_bad_fields_are_refused() {
        let limits = CommentSettings::default();
        let missing_content = RawComment {
            vid: Some("1".into()),
            ..RawComment::default()
        };
        assert_eq!(
            NewComment::parse(missing_content, &limits),
            Err(ParamError::Missing("content"))
        );
        assert_eq!(
            NewComment::parse(raw("1", "", "", " \n\t"), &limits),
            Err(ParamError::Empty("content"))
        );
        assert_eq!(
            NewComment::parse(raw("x", "", "", "hi"), &limits),
            Err(ParamError::NotPositive("vid"))
        );
        assert_eq!(
            NewComment::parse(raw("1", "", "javascript:alert(1)", "hi"), &limits),
            Err(ParamError::NotHttpUrl("avatar"))
        );
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_and_tabs_kept() {
        let limits = CommentSettings::default();
        let text = "第一行\r\n第二行\n\tindented";
        assert_eq!(
            NewComment::parse(raw("1", "a\tb", "", text), &limits).map(|c| c.content),
            Ok(text.to_owned())
        );
        let refused = |field, code| Err(ParamError::ControlCharacter { field, code });
        for (content, code) in [
            ("nul\0", 0),
            ("bell\u{7}", 7),
            ("esc\u{1b}[2J", 0x1b),
            ("bare\rcr", 0x0d),
            ("cr at the end\r", 0x0d),
            ("del\u{7f}", 0x7f),
            ("c1\u{85}", 0x85),
        ] {
            assert_eq!(
                NewComment::parse(raw("1", "", "", content), &limits).map(|c| c.content),
                refused("content", code),
                "{content:?}"
            );
        }
        assert_eq!(
            NewComment::parse(raw("1", "ni\0ck", "", "hi"), &limits).map(|c| c.content),
            refused("nick", 0)
        );
        assert_eq!(
            NewComment::parse(raw("1", "", "https://a.test/\n.png", "hi"), &limits)
                .map(|c| c.content),
            refused("avatar", 0x0a)
        );
    }

    #[test]
    fn nick_and_avatar_may_be_absent() -> Result<(), ParamError> {
        let raw = RawComment {
            vid: Some("9".into()),
            content: Some("hi".into()),
            ..RawComment::default()
        };
        let comment = NewComment::parse(raw, &CommentSettings::default())?;
        assert_eq!((comment.nick(), comment.avatar()), ("", ""));
        Ok(())
    }
}
