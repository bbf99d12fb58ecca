//! Which app file an image `src` names: [`crate::rewrite::resolve_source`].

use super::PAGE;
use crate::rewrite::*;

#[test]
fn parent_relative_value_resolves_from_the_page_folder() {
    assert_eq!(
        resolve_source(PAGE, "../../images/a.png").as_deref(),
        Some("images/a.png")
    );
    assert_eq!(
        resolve_source(PAGE, "../a.png").as_deref(),
        Some("pages/a.png")
    );
}

#[test]
fn dot_and_bare_values_resolve_in_the_page_folder() {
    assert_eq!(
        resolve_source(PAGE, "./a.png").as_deref(),
        Some("pages/index/a.png")
    );
    assert_eq!(
        resolve_source(PAGE, "a.png").as_deref(),
        Some("pages/index/a.png")
    );
    assert_eq!(
        resolve_source("app.wxss", "images/a.png").as_deref(),
        Some("images/a.png")
    );
}

#[test]
fn absolute_value_resolves_from_the_app_root() {
    assert_eq!(
        resolve_source(PAGE, "/images/a.png").as_deref(),
        Some("images/a.png")
    );
    assert_eq!(
        resolve_source(PAGE, "/images//./x/../a.png").as_deref(),
        Some("images/a.png")
    );
}

#[test]
fn value_escaping_the_app_root_is_none() {
    assert_eq!(resolve_source(PAGE, "../../../a.png"), None);
    assert_eq!(resolve_source(PAGE, "/../a.png"), None);
    assert_eq!(resolve_source("app.wxss", "../a.png"), None);
    assert_eq!(resolve_source(PAGE, "/"), None);
    assert_eq!(resolve_source(PAGE, "../.."), None);
}

#[test]
fn remote_and_special_values_are_none() {
    for value in [
        "http://a.com/a.png",
        "https://a.com/a.png",
        "HTTPS://a.com/a.png",
        "//a.com/a.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "wxfile://tmp_abc.png",
        "cloud://env-1.abc/a.png",
        "ftp:a.png",
    ] {
        assert_eq!(resolve_source(PAGE, value), None, "{value}");
    }
}

#[test]
fn bindings_and_empty_values_are_none() {
    assert_eq!(resolve_source(PAGE, "{{item.src}}"), None);
    assert_eq!(resolve_source(PAGE, "/images/{{n}}.png"), None);
    assert_eq!(resolve_source(PAGE, ""), None);
}

#[test]
fn chinese_names_and_spaces_resolve_as_is() {
    let path = resolve_source(PAGE, "/images/我的 图片.png");
    assert_eq!(path.as_deref(), Some("images/我的 图片.png"));
    let encoded = resolve_source(PAGE, "/images/%E5%9B%BE.png");
    assert_eq!(encoded.as_deref(), Some("images/%E5%9B%BE.png"));
}

#[test]
fn backslash_is_not_a_separator() {
    let path = resolve_source(PAGE, "..\\images\\a.png");
    assert_eq!(path.as_deref(), Some("pages/index/..\\images\\a.png"));
}

#[test]
fn colon_after_a_slash_is_not_a_scheme() {
    assert_eq!(
        resolve_source(PAGE, "/images/a:b.png").as_deref(),
        Some("images/a:b.png")
    );
}
