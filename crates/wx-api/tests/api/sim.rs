//! The simulator over raw HTTP: exact WeChat bodies, status and content type, one use per code,
//! deterministic identities, and the `/sim/*` helpers.

use serde_json::{Value, json};
use wx_api::{SessionKey, decrypt_open_data};

use crate::helpers::{APP_ID, APP_SECRET, TestSim, http, spawn_sim};

fn wechat_error(errcode: i64, errmsg: &str) -> (u16, String, Value) {
    (
        200,
        "text/plain".to_owned(),
        json!({"errcode": errcode, "errmsg": errmsg}),
    )
}

async fn peek(sim: &TestSim, code: &str) -> Value {
    let (status, _, body) = sim.get(&format!("/sim/session?code={code}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_fresh_code_gets_openid_and_session_key_as_text_plain() {
    let sim = spawn_sim();
    let (status, content_type, body) = sim.jscode2session("alice-1").await;
    assert_eq!((status, content_type.as_str()), (200, "text/plain"));
    let object = body.as_object().expect("an object");
    assert_eq!(object.len(), 2, "{body}");
    let openid = body["openid"].as_str().expect("openid");
    assert!(openid.starts_with('o') && openid.len() == 28, "{openid}");
    assert_eq!(body["session_key"].as_str().map(str::len), Some(24));
}

#[tokio::test]
async fn the_success_body_has_wechats_key_order() {
    let sim = spawn_sim();
    let url = format!(
        "{}/sns/jscode2session?appid={APP_ID}&secret={APP_SECRET}&js_code=amy-1&grant_type=authorization_code",
        sim.base
    );
    let text = http()
        .get(url)
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("text");
    assert!(text.starts_with(r#"{"session_key":""#), "{text}");
    assert!(text.contains(r#"","openid":"o"#), "{text}");
}

#[tokio::test]
async fn a_code_works_once() {
    let sim = spawn_sim();
    assert_eq!(sim.jscode2session("bob-1").await.0, 200);
    assert_eq!(
        sim.jscode2session("bob-1").await,
        wechat_error(40163, "code been used")
    );
}

#[tokio::test]
async fn invalid_and_ratelimit_codes_get_their_errors_every_time() {
    let sim = spawn_sim();
    for _ in 0..2 {
        assert_eq!(
            sim.jscode2session("invalid-123").await,
            wechat_error(40029, "invalid code")
        );
        assert_eq!(
            sim.jscode2session("ratelimit-9").await,
            wechat_error(
                45011,
                "api minute-quota reach limit mustslower retry next minute"
            )
        );
    }
}

#[tokio::test]
async fn wrong_credentials_and_grant_type_get_wechat_errors() {
    let sim = spawn_sim();
    let cases = [
        (
            format!("appid=wxother&secret={APP_SECRET}&js_code=c1&grant_type=authorization_code"),
            wechat_error(40013, "invalid appid"),
        ),
        (
            format!("appid={APP_ID}&secret=nope&js_code=c2&grant_type=authorization_code"),
            wechat_error(40125, "invalid appsecret"),
        ),
        (
            format!("appid={APP_ID}&secret={APP_SECRET}&js_code=c3"),
            wechat_error(40002, "invalid grant_type"),
        ),
        (
            format!("appid={APP_ID}&secret={APP_SECRET}&grant_type=authorization_code"),
            wechat_error(41008, "missing code"),
        ),
        (
            "secret=x&js_code=c4&grant_type=authorization_code".to_owned(),
            wechat_error(41002, "appid missing"),
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(
            sim.get(&format!("/sns/jscode2session?{query}")).await,
            expected,
            "{query}"
        );
    }
    // None of these spent their code.
    assert_eq!(sim.jscode2session("c2").await.0, 200);
}

#[tokio::test]
async fn logins_of_one_user_keep_the_openid_and_change_the_key() {
    let sim = spawn_sim();
    let (_, _, first) = sim.jscode2session("carol-1").await;
    let (_, _, second) = sim.jscode2session("carol-2").await;
    let (_, _, other) = sim.jscode2session("dave-1").await;
    assert_eq!(first["openid"], second["openid"]);
    assert_ne!(first["session_key"], second["session_key"]);
    assert_ne!(first["openid"], other["openid"]);
}

#[tokio::test]
async fn identities_are_the_same_in_another_simulator_with_the_same_seed() {
    let (one, two) = (spawn_sim(), spawn_sim());
    let (_, _, a) = one.jscode2session("erin-7").await;
    let (_, _, b) = two.jscode2session("erin-7").await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn sim_session_predicts_without_spending() {
    let sim = spawn_sim();
    let predicted = peek(&sim, "frank-1").await;
    assert_eq!(predicted["used"], false);
    assert_eq!(peek(&sim, "frank-1").await, predicted);
    let (status, _, exchanged) = sim.jscode2session("frank-1").await;
    assert_eq!(status, 200);
    assert_eq!(exchanged["openid"], predicted["openid"]);
    assert_eq!(exchanged["session_key"], predicted["session_key"]);
    assert_eq!(peek(&sim, "frank-1").await["used"], true);
}

#[tokio::test]
async fn sim_session_refuses_codes_wechat_refuses() {
    let sim = spawn_sim();
    let (status, content_type, body) = sim.get("/sim/session?code=invalid-1").await;
    assert_eq!((status, content_type.as_str()), (400, "application/json"));
    assert_eq!(body, json!({"errcode": 40029, "errmsg": "invalid code"}));
    assert_eq!(sim.get("/sim/session").await.0, 400);
}

#[tokio::test]
async fn sim_encrypt_seals_open_data_with_the_codes_key_and_a_watermark() {
    let sim = spawn_sim();
    let data = json!({"nickName": "小明🙂", "gender": 2});
    let request = json!({"code": "gina-1", "data": data, "timestamp": 1_700_000_000});
    let (status, _, sealed) = sim.post("/sim/encrypt", request.to_string()).await;
    assert_eq!(status, 200, "{sealed}");
    let key = SessionKey::new(
        peek(&sim, "gina-1").await["session_key"]
            .as_str()
            .expect("key"),
    );
    let opened = decrypt_open_data(
        sealed["encryptedData"].as_str().expect("encryptedData"),
        sealed["iv"].as_str().expect("iv"),
        &key,
        APP_ID,
    )
    .expect("decrypts with the code's key");
    assert_eq!(opened["nickName"], "小明🙂");
    assert_eq!(
        opened["watermark"],
        json!({"timestamp": 1_700_000_000, "appid": APP_ID})
    );
}

#[tokio::test]
async fn sim_encrypt_can_watermark_another_app() {
    let sim = spawn_sim();
    let request = json!({"code": "hank-1", "data": {"a": 1}, "appid": "wxsomeoneelse"});
    let (_, _, sealed) = sim.post("/sim/encrypt", request.to_string()).await;
    let key = SessionKey::new(
        peek(&sim, "hank-1").await["session_key"]
            .as_str()
            .expect("key"),
    );
    let result = decrypt_open_data(
        sealed["encryptedData"].as_str().unwrap_or_default(),
        sealed["iv"].as_str().unwrap_or_default(),
        &key,
        APP_ID,
    );
    assert_eq!(result, Err(wx_api::DecryptError::WatermarkMismatch));
}

#[tokio::test]
async fn sim_encrypt_rejects_bad_bodies_in_json() {
    let sim = spawn_sim();
    for body in ["not json", r#"{"code":"x"}"#, r#"{"code":"x","data":[1]}"#] {
        let (status, content_type, reply) = sim.post("/sim/encrypt", body.to_owned()).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(content_type, "application/json");
        assert_eq!(reply["errcode"], -1, "{reply}");
    }
}

#[tokio::test]
async fn token_hands_out_access_tokens_for_two_hours() {
    let sim = spawn_sim();
    let query =
        format!("/cgi-bin/token?grant_type=client_credential&appid={APP_ID}&secret={APP_SECRET}");
    let (status, content_type, body) = sim.get(&query).await;
    assert_eq!((status, content_type.as_str()), (200, "text/plain"));
    assert_eq!(body["expires_in"], 7200);
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    let (_, _, again) = sim.get(&query).await;
    assert_ne!(
        again["access_token"], body["access_token"],
        "a new token each call"
    );
    let wrong = format!("/cgi-bin/token?grant_type=client_credential&appid={APP_ID}&secret=x");
    assert_eq!(
        sim.get(&wrong).await,
        wechat_error(40125, "invalid appsecret")
    );
}

#[tokio::test]
async fn health_probes_answer_and_unknown_paths_are_404() {
    let sim = spawn_sim();
    assert_eq!(sim.get("/healthz").await.0, 200);
    assert_eq!(sim.get("/readyz").await.0, 200);
    assert_eq!(sim.get("/sns/unknown").await.0, 404);
}
