//! Unit tests of [`super`].

use super::*;

mod host;
mod resolve;

const PAGE: &str = "pages/index/index.wxml";

/// The uploaded files of the tests and their URLs.
fn uploaded(path: &str) -> Option<String> {
    let url = match path {
        "images/a.png" => "https://cdn.example.com/images/a.png",
        "images/b.png" => "https://cdn.example.com/images/b.png",
        "images/bg.png" => "https://cdn.example.com/images/bg.png",
        "pages/index/a.png" => "https://cdn.example.com/pages/index/a.png",
        "images/我的 图片.png" => {
            "https://cdn.example.com/images/%E6%88%91%E7%9A%84%20%E5%9B%BE%E7%89%87.png"
        }
        "images/q.png" => "https://cdn.example.com/q.png?a=\"1'",
        "images/slash.png" => "https://cdn.example.com/dir/",
        _ => return None,
    };
    Some(url.to_owned())
}

fn rewrite(text: &str) -> Rewritten {
    rewrite_image_sources(text, PAGE, &uploaded)
}

fn rewritten(text: &str, replaced: usize) -> Rewritten {
    Rewritten {
        text: text.to_owned(),
        replaced,
    }
}

const A: &str = "https://cdn.example.com/images/a.png";

// ---- rewrite_image_sources ----

#[test]
fn image_and_cover_image_src_are_rewritten() {
    let out =
        rewrite("<image src=\"/images/a.png\"/><cover-image src=\"/images/b.png\"></cover-image>");
    let want = "<image src=\"https://cdn.example.com/images/a.png\"/><cover-image src=\"https://cdn.example.com/images/b.png\"></cover-image>";
    assert_eq!(out, rewritten(want, 2));
}

#[test]
fn quote_character_and_other_attributes_are_kept() {
    let out = rewrite("<image  class='x'  src='../../images/a.png'  mode=\"aspectFill\" >");
    let want = format!("<image  class='x'  src='{A}'  mode=\"aspectFill\" >");
    assert_eq!(out, rewritten(&want, 1));
}

#[test]
fn tag_name_must_match_exactly() {
    let text = "<imagex src=\"/images/a.png\"/><my-image src=\"/images/a.png\"/>\
                <cover-image-foo src=\"/images/a.png\"/><Image src=\"/images/a.png\"/>\
                </image src=\"/images/a.png\">";
    assert_eq!(rewrite(text), rewritten(text, 0));
}

#[test]
fn tag_name_may_end_with_slash_or_gt() {
    let out = rewrite("<image/><image>x</image><image\tsrc=/images/a.png/>");
    assert_eq!(
        out,
        rewritten(&format!("<image/><image>x</image><image\tsrc={A}/>"), 1)
    );
}

#[test]
fn only_the_src_attribute_is_rewritten() {
    let text = "<image data-src=\"/images/a.png\" lazy-src=\"/images/a.png\" \
                srcset=\"/images/a.png\" mode=\"/images/a.png\" src=\"/images/b.png\"/>";
    let want = text.replace(
        "src=\"/images/b.png\"",
        "src=\"https://cdn.example.com/images/b.png\"",
    );
    assert_eq!(rewrite(text), rewritten(&want, 1));
}

#[test]
fn first_src_of_a_tag_wins() {
    let out = rewrite("<image src=\"/images/a.png\" src=\"/images/b.png\"/>");
    assert_eq!(
        out,
        rewritten(&format!("<image src=\"{A}\" src=\"/images/b.png\"/>"), 1)
    );
}

#[test]
fn attributes_may_span_lines_with_spaces_around_equals() {
    let text = "<image\n  class=\"x\"\r\n  src\n  =  \"/images/a.png\"\n  lazy-load\n/>";
    let want = format!("<image\n  class=\"x\"\r\n  src\n  =  \"{A}\"\n  lazy-load\n/>");
    assert_eq!(rewrite(text), rewritten(&want, 1));
}

#[test]
fn unquoted_values_are_rewritten() {
    let out = rewrite("<image src=/images/a.png mode=x><image src=a.png>");
    let want =
        format!("<image src={A} mode=x><image src=https://cdn.example.com/pages/index/a.png>");
    assert_eq!(out, rewritten(&want, 2));
}

#[test]
fn unquoted_value_is_quoted_when_the_url_needs_it() {
    let out = rewrite("<image src=/images/q.png><image src=/images/slash.png/>");
    let want = "<image src=\"https://cdn.example.com/q.png?a=%221'\">\
                <image src=\"https://cdn.example.com/dir/\"/>";
    assert_eq!(out, rewritten(want, 2));
}

#[test]
fn quote_in_the_url_is_percent_encoded_inside_the_same_quotes() {
    let out = rewrite("<image src=\"/images/q.png\"/><image src='/images/q.png'/>");
    let want = "<image src=\"https://cdn.example.com/q.png?a=%221'\"/>\
                <image src='https://cdn.example.com/q.png?a=\"1%27'/>";
    assert_eq!(out, rewritten(want, 2));
}

#[test]
fn gt_inside_a_quoted_value_does_not_end_the_tag() {
    let text = "<image bindtap=\"{{a > b}}\" data-x='<image src=\"/images/b.png\">' src=\"/images/a.png\"/>";
    let want = text.replace("src=\"/images/a.png\"", &format!("src=\"{A}\""));
    assert_eq!(rewrite(text), rewritten(&want, 1));
}

#[test]
fn quotes_inside_the_other_quote_type_are_kept() {
    let text = "<image style=\"font-family: 'a'\" alt='say \"hi\"' src=\"/images/a.png\">";
    let want = text.replace("/images/a.png", A);
    assert_eq!(rewrite(text), rewritten(&want, 1));
}

#[test]
fn image_inside_a_comment_is_not_rewritten() {
    let text = "<!-- <image src=\"/images/a.png\"/> --><image src=\"/images/b.png\"/>\
                <!----><!-- <cover-image src=\"/images/a.png\"> -->";
    let want = text.replace("/images/b.png", "https://cdn.example.com/images/b.png");
    assert_eq!(rewrite(text), rewritten(&want, 1));
}

#[test]
fn bindings_urls_and_data_uris_are_never_rewritten() {
    let resolve_anything = |_: &str| Some(A.to_owned());
    let text = "<image src=\"{{item.url}}\"/><image src=\"/images/{{n}}.png\"/>\
                <image src=\"https://other.com/a.png\"/><image src=\"//other.com/a.png\"/>\
                <image src=\"data:image/png;base64,AAAA\"/><image src=\"\"/><image src=>";
    assert_eq!(
        rewrite_image_sources(text, PAGE, &resolve_anything),
        rewritten(text, 0)
    );
}

#[test]
fn css_url_is_not_rewritten() {
    let text = ".a { background-image:url(/images/bg.png); }\n\
                <view style=\"background: url('/images/bg.png')\"></view>";
    assert_eq!(rewrite(text), rewritten(text, 0));
}

#[test]
fn chinese_value_with_space_is_rewritten() {
    let out = rewrite("<image src=\"/images/我的 图片.png\"/>🎉");
    let want = "<image src=\"https://cdn.example.com/images/%E6%88%91%E7%9A%84%20%E5%9B%BE%E7%89%87.png\"/>🎉";
    assert_eq!(out, rewritten(want, 1));
}

#[test]
fn percent_encoded_value_is_tried_decoded_when_the_raw_form_has_no_url() {
    let out = rewrite("<image src=\"/images/%E6%88%91%E7%9A%84%20%E5%9B%BE%E7%89%87.png\"/>");
    let want = "<image src=\"https://cdn.example.com/images/%E6%88%91%E7%9A%84%20%E5%9B%BE%E7%89%87.png\"/>";
    assert_eq!(out, rewritten(want, 1));
    let raw_wins = |path: &str| (path == "images/%61.png").then(|| "https://raw/".to_owned());
    let out = rewrite_image_sources("<image src=\"/images/%61.png\">", PAGE, &raw_wins);
    assert_eq!(out, rewritten("<image src=\"https://raw/\">", 1));
    let text = "<image src=\"/images/%FF%zz.png\">";
    assert_eq!(rewrite(text), rewritten(text, 0));
}

#[test]
fn line_endings_and_surrounding_text_are_kept_byte_for_byte() {
    let text = "<view>\r\n\t<image src=\"/images/a.png\" />\r\n</view>\r\n";
    let want = format!("<view>\r\n\t<image src=\"{A}\" />\r\n</view>\r\n");
    assert_eq!(rewrite(text), rewritten(&want, 1));
}

#[test]
fn url_equal_to_the_value_is_not_counted() {
    let same = |_: &str| Some("a.png".to_owned());
    let text = "<image src=\"a.png\"/>";
    assert_eq!(rewrite_image_sources(text, PAGE, &same), rewritten(text, 0));
}

#[test]
fn unterminated_tag_keeps_the_rest() {
    let text = "<image src=\"/images/a.png\"/><image src=\"/images/b.png\"";
    let want = text.replacen("/images/a.png", A, 1);
    assert_eq!(rewrite(text), rewritten(&want, 1));
    assert_eq!(rewrite("<image"), rewritten("<image", 0));
    assert_eq!(rewrite("<image src="), rewritten("<image src=", 0));
    assert_eq!(
        rewrite("<image src=a.png"),
        rewritten("<image src=a.png", 0)
    );
}

#[test]
fn unterminated_quote_keeps_the_rest() {
    let text = "<image src=\"/images/a.png\"/>\n<image src=\"/images/b.png/>\n<image src='/images/a.png'/>";
    let want = text.replacen("/images/a.png", A, 1);
    assert_eq!(rewrite(text), rewritten(&want, 1));
}

#[test]
fn unterminated_comment_keeps_the_rest() {
    let text = "<image src=\"/images/a.png\"/><!-- <image src=\"/images/b.png\"/>";
    let want = text.replacen("/images/a.png", A, 1);
    assert_eq!(rewrite(text), rewritten(&want, 1));
}

#[test]
fn stray_lt_does_not_hide_later_images() {
    let text = "a < b <<image class=\"x\" <image src=\"/images/a.png\"/> <";
    let want = text.replace("/images/a.png", A);
    assert_eq!(rewrite(text), rewritten(&want, 1));
}

#[test]
fn rewriting_twice_changes_nothing() {
    let once = rewrite(REALISTIC_WXML);
    assert_eq!(once.replaced, 4);
    assert_eq!(rewrite(&once.text), rewritten(&once.text, 0));
    let unquoted = rewrite("<image src=/images/q.png><image src=/images/a.png>");
    assert_eq!(rewrite(&unquoted.text), rewritten(&unquoted.text, 0));
}

const REALISTIC_WXML: &str = r#"<!--index.wxml 首页-->
<view class="container">
  <view class="userinfo" bindtap="{{count > 0 ? 'tap' : ''}}">
<image class="userinfo-avatar" src="{{userInfo.avatarUrl}}" background-size="cover"></image>
<text class="userinfo-nickname">{{userInfo.nickName}} 🎉</text>
  </view>
  <image
class="banner"
mode="widthFix"
src="/images/a.png"
  />
  <image class="logo" src='../../images/b.png' bindload="onLoad"/>
  <image src="https://wx.qlogo.cn/mmopen/abc/0" />
  <image class="lazy" data-src="/images/a.png" lazy-load="true"/>
  <cover-image src="./a.png"></cover-image>
  <image src="/images/我的 图片.png"></image>
  <image src="data:image/png;base64,iVBORw0KGgo=" />
  <view style="background-image: url(/images/bg.png)">{{a < b ? "小" : "大"}}</view>
  <!-- <image src="/images/a.png"/> 旧的横幅 -->
</view>
"#;

#[test]
fn realistic_wxml_page() {
    let want = REALISTIC_WXML
        .replacen("src=\"/images/a.png\"", &format!("src=\"{A}\""), 1)
        .replace(
            "src='../../images/b.png'",
            "src='https://cdn.example.com/images/b.png'",
        )
        .replace(
            "src=\"./a.png\"",
            "src=\"https://cdn.example.com/pages/index/a.png\"",
        )
        .replace(
            "src=\"/images/我的 图片.png\"",
            "src=\"https://cdn.example.com/images/%E6%88%91%E7%9A%84%20%E5%9B%BE%E7%89%87.png\"",
        );
    assert_eq!(rewrite(REALISTIC_WXML), rewritten(&want, 4));
    assert!(want.contains("data-src=\"/images/a.png\""));
    assert!(want.contains("<!-- <image src=\"/images/a.png\"/> 旧的横幅 -->"));
    assert!(want.contains("url(/images/bg.png)"));
}

const REALISTIC_WXSS: &str = "/* index.wxss: <image src=\"../../images/a.png\"> */\n\
    .banner {\n  background-image:url(/images/bg.png);\n  background: url( \"../../images/bg.png\" ) no-repeat;\n}\n";

#[test]
fn wxss_image_tag_text_is_rewritten_but_not_the_background_url() {
    let out = rewrite_image_sources(REALISTIC_WXSS, "pages/index/index.wxss", &uploaded);
    let want = REALISTIC_WXSS.replace("../../images/a.png", A);
    assert_eq!(out, rewritten(&want, 1));
}

#[test]
fn no_input_panics_when_cut_anywhere() {
    let text = format!("{REALISTIC_WXML}{REALISTIC_WXSS}<image src='/images/我的 图片.png'>😀");
    let cuts = text.char_indices().map(|(i, _)| i);
    for cut in cuts {
        let (head, tail) = text.split_at(cut);
        for part in [head, tail] {
            let _ = rewrite(part);
            let _ = replace_host(part, "http://wx-1.myqcloud.com", "https://example.com");
            let _ = replace_host(part, "wx-1.myqcloud.com", "example.com");
            let _ = resolve_source(PAGE, part);
            let _ = target_url(part, "cdn.example.com", "http://wx-1.myqcloud.com");
        }
    }
}
