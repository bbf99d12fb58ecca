//! Host replacement: [`crate::rewrite::replace_host`], [`crate::rewrite::target_url`] and
//! [`crate::rewrite::target_origin`].

use super::rewritten;
use crate::rewrite::*;

const OLD: &str = "http://wx-12345678.myqcloud.com";
const NEW: &str = "https://example.com";

#[test]
fn host_is_swapped_in_image_src() {
    let text = "<image src=\"http://wx-12345678.myqcloud.com/images/a.png\"/>\
                <cover-image src='http://wx-12345678.myqcloud.com/b.png?x=1'/>";
    let want = "<image src=\"https://example.com/images/a.png\"/>\
                <cover-image src='https://example.com/b.png?x=1'/>";
    assert_eq!(replace_host(text, OLD, NEW), rewritten(want, 2));
}

#[test]
fn host_is_swapped_in_css_background_urls() {
    let text = ".a{background-image:url(http://wx-12345678.myqcloud.com/a.png)}\n\
                .b { background: #fff url( 'http://wx-12345678.myqcloud.com/b.png' ) no-repeat; }\n\
                .c { BACKGROUND-IMAGE : url(\"http://wx-12345678.myqcloud.com/c.png\"), url(http://wx-12345678.myqcloud.com/d.png); }";
    let want = text.replace(OLD, NEW);
    assert_eq!(replace_host(text, OLD, NEW), rewritten(&want, 4));
}

#[test]
fn host_is_swapped_in_inline_style_attributes() {
    let text = "<view style=\"color: red; background-image: url('http://wx-12345678.myqcloud.com/a.png')\"></view>\n\
                <view style='background:url(\"http://wx-12345678.myqcloud.com/b.png\") center'>图</view>";
    let want = text.replace(OLD, NEW);
    assert_eq!(replace_host(text, OLD, NEW), rewritten(&want, 2));
}

#[test]
fn other_hosts_properties_and_attributes_are_left_alone() {
    let text = "<image src=\"http://wx-12345678.myqcloud.com.evil.com/a.png\"/>\
                <image data-src=\"http://wx-12345678.myqcloud.com/a.png\"/>\
                <image src=\"https://wx-12345678.myqcloud.com/a.png\"/>\
                <view class=\"background\" title=\"http://wx-12345678.myqcloud.com/a.png\"/>\n\
                .a { border-image: url(http://wx-12345678.myqcloud.com/a.png); }\n\
                .b { -webkit-background: url(http://wx-12345678.myqcloud.com/a.png); }\n\
                .c { background-color: red; content: url(http://wx-12345678.myqcloud.com/a.png); }\n\
                <!-- .d { background: url(http://wx-12345678.myqcloud.com/a.png) } -->";
    assert_eq!(replace_host(text, OLD, NEW), rewritten(text, 0));
}

#[test]
fn empty_replace_or_target_host_changes_nothing() {
    let text = "<image src=\"http://wx-12345678.myqcloud.com/a.png\"/>";
    assert_eq!(replace_host(text, "", NEW), rewritten(text, 0));
    assert_eq!(replace_host(text, OLD, " "), rewritten(text, 0));
    assert_eq!(replace_host(text, "/", NEW), rewritten(text, 0));
}

#[test]
fn target_without_scheme_takes_the_value_scheme() {
    let text = "<image src=\"http://old.com/a.png\"/>.a{background:url(https://old.com/b.png)}";
    let want = "<image src=\"http://cdn.com/a.png\"/>.a{background:url(https://cdn.com/b.png)}";
    assert_eq!(
        replace_host(text, "old.com", "cdn.com/"),
        rewritten(want, 2)
    );
}

#[test]
fn trailing_slashes_are_normalized() {
    let text = "<image src=\"http://old.com/a.png\"/><image src=\"http://old.com\"/>";
    let want = "<image src=\"https://new.com/a.png\"/><image src=\"https://new.com\"/>";
    assert_eq!(
        replace_host(text, "http://old.com/", "https://new.com/"),
        rewritten(want, 2)
    );
}

#[test]
fn prefix_with_a_path_is_swapped_whole() {
    let text =
        "<image src=\"http://old.com/static/a.png\"/><image src=\"http://old.com/staticx/a.png\"/>";
    let want =
        "<image src=\"https://new.com/a.png\"/><image src=\"http://old.com/staticx/a.png\"/>";
    assert_eq!(
        replace_host(text, "http://old.com/static", "https://new.com"),
        rewritten(want, 1)
    );
}

#[test]
fn binding_after_the_host_is_kept() {
    let text = "<image src=\"http://old.com/{{name}}.png\"/>";
    let want = "<image src=\"https://new.com/{{name}}.png\"/>";
    assert_eq!(
        replace_host(text, "http://old.com", "https://new.com"),
        rewritten(want, 1)
    );
}

#[test]
fn malformed_css_urls_are_left_alone() {
    let text = ".a{background:url(http://old.com/a.png;}\n.b{background:url('http://old.com/b.png\n)}\n\
                .c{background:url(http://old.com/c.png)}";
    let want = text.replace("http://old.com/c.png", "https://new.com/c.png");
    assert_eq!(
        replace_host(text, "http://old.com", "https://new.com"),
        rewritten(&want, 1)
    );
}

#[test]
fn swapped_css_url_is_escaped_for_its_quoting() {
    let text = ".a{background:url(http://old.com/a.png)}.b{background:url('http://old.com/b.png')}";
    let want =
        ".a{background:url(https://n%20%28x%29/a.png)}.b{background:url('https://n (x)/b.png')}";
    assert_eq!(
        replace_host(text, "http://old.com", "https://n (x)"),
        rewritten(want, 2)
    );
}

// ---- target_url / target_origin ----

#[test]
fn target_url_swaps_the_origin_for_a_bare_host() {
    let url = target_url(
        "https://b-1.cos.ap-guangzhou.myqcloud.com/a/b.png",
        "cdn.example.com",
        "",
    );
    assert_eq!(url, "https://cdn.example.com/a/b.png");
}

#[test]
fn target_url_uses_the_target_scheme_and_drops_its_trailing_slash() {
    let url = target_url(
        "https://b-1.cos.ap-guangzhou.myqcloud.com/a/b.png?x=1#f",
        "http://cdn.example.com/",
        "",
    );
    assert_eq!(url, "http://cdn.example.com/a/b.png?x=1#f");
}

#[test]
fn target_url_without_target_is_unchanged() {
    let uploaded = "https://b-1.cos.ap-guangzhou.myqcloud.com/a.png";
    assert_eq!(target_url(uploaded, "", "http://x.com"), uploaded);
    assert_eq!(target_url(uploaded, "  ", ""), uploaded);
}

#[test]
fn target_url_swaps_the_replace_host_prefix() {
    let url = target_url(
        "http://wx-12345678.myqcloud.com/folder/a.png",
        "https://example.com",
        "http://wx-12345678.myqcloud.com/folder",
    );
    assert_eq!(url, "https://example.com/a.png");
    let other = target_url("http://other.com/folder/a.png", "example.com", OLD);
    assert_eq!(other, "http://example.com/folder/a.png");
}

#[test]
fn target_url_keeps_a_non_url_unchanged() {
    assert_eq!(target_url("a/b.png", "cdn.example.com", ""), "a/b.png");
    assert_eq!(
        target_url("//h.com/a.png", "cdn.example.com", ""),
        "//cdn.example.com/a.png"
    );
}

#[test]
fn target_origin_defaults_the_scheme() {
    assert_eq!(
        target_origin("cdn.example.com", "https"),
        "https://cdn.example.com"
    );
    assert_eq!(
        target_origin(" http://cdn.example.com/ ", "https"),
        "http://cdn.example.com"
    );
    assert_eq!(
        target_origin("//cdn.example.com", "http"),
        "http://cdn.example.com"
    );
    assert_eq!(target_origin("cdn.example.com", ""), "//cdn.example.com");
    assert_eq!(
        target_origin("cdn.example.com/static/", "https"),
        "https://cdn.example.com/static"
    );
}
