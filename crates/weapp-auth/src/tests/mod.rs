//! Unit tests of the check and the modern login: WeChat played by `wiremock`, sessions in a
//! [`MemoryStore`]. The Redis store is covered by `services/session`'s integration tests.

mod check;
mod extractors;
mod identify;
mod modern;

use std::{sync::Arc, time::Duration};

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, query_param},
};
use wx_api::{WxClient, WxConfig};

use crate::{Code, MemoryStore, SessionHeaders, WeappAuth};

/// The official signature example (`spec/vectors/wx_signature.json`, `official_band`).
const BAND_RAW: &str = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
const BAND_KEY: &str = "HyVFkGl5F5OQWJZZaNzBBg==";
const BAND_SIGNATURE: &str = "75e81ceda165f4ffa64f4068af58c64b8f54b88c";
const BAND_OPENID: &str = "oBandOpenId000000000000000001";

/// The official decryption example (`spec/vectors/wx_decrypt.json`, `official_userinfo`).
const DEMO_APP_ID: &str = "wx4f4bc4dec97d474b";
const DEMO_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const DEMO_IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
const DEMO_OPENID: &str = "oGZUI0egBJY1zhBYw2KhdUfwVJJE";
const DEMO_ENCRYPTED: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";

const TTL: Duration = Duration::from_secs(7200);

struct Fixture {
    wechat: MockServer,
    store: Arc<MemoryStore>,
    auth: WeappAuth,
}

async fn fixture() -> Fixture {
    fixture_for_app(DEMO_APP_ID).await
}

async fn fixture_for_app(app_id: &str) -> Fixture {
    let wechat = MockServer::start().await;
    let auth_and_store = build(&wechat.uri(), app_id);
    Fixture {
        wechat,
        store: auth_and_store.1,
        auth: auth_and_store.0,
    }
}

fn build(base_url: &str, app_id: &str) -> (WeappAuth, Arc<MemoryStore>) {
    let config = WxConfig {
        base_url: base_url.to_owned(),
        app_id: app_id.to_owned(),
        app_secret: "secret".to_owned().into(),
        timeout: Duration::from_secs(2),
    };
    let wx = WxClient::new(config).unwrap_or_else(|e| panic!("WxClient: {e}"));
    let store = Arc::new(MemoryStore::new(TTL, TTL, TTL * 12));
    (WeappAuth::new(store.clone(), wx, TTL.as_secs()), store)
}

impl Fixture {
    /// WeChat answers `body` to `js_code=code`, exactly `times` times.
    async fn wechat_answers(&self, code: &str, body: Value, times: u64) {
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .and(query_param("js_code", code))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(times)
            .mount(&self.wechat)
            .await;
    }

    async fn wechat_knows(&self, code: &str, openid: &str, session_key: &str) {
        self.wechat_answers(
            code,
            json!({"openid": openid, "session_key": session_key}),
            1,
        )
        .await;
    }
}

fn code(text: &str) -> Code {
    Code::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn first_request(code_text: &str, raw_data: &str, signature: &str) -> SessionHeaders {
    SessionHeaders::Login {
        code: code(code_text),
        raw_data: raw_data.to_owned(),
        signature: signature.to_owned(),
    }
}
