//! `WxClient` against the simulator: real HTTP round trips of the whole login, as the session
//! service will do them, and the secret kept out of logs and `Debug`.

use std::time::Duration;

use serde_json::{Value, json};
use wx_api::{
    Jscode2SessionError, SessionKey, decrypt_open_data, raw_data_signature, verify_raw_data,
};

use crate::helpers::{APP_ID, APP_SECRET, captured_logs, client, spawn_sim};

fn rejected(result: Result<wx_api::CodeSession, Jscode2SessionError>) -> Value {
    match result {
        Err(Jscode2SessionError::Rejected { body }) => body,
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn the_modern_login_round_trip_works() {
    let sim = spawn_sim();
    let wx = sim.client();
    let (_, _, predicted) = sim.get("/sim/session?code=ivy-1").await;
    let request =
        json!({"code": "ivy-1", "data": {"openId": predicted["openid"], "nickName": "Ivy"}});
    let (_, _, sealed) = sim.post("/sim/encrypt", request.to_string()).await;

    let session = wx.jscode2session("ivy-1").await.expect("a session");
    assert_eq!(
        session.openid,
        predicted["openid"].as_str().unwrap_or_default()
    );
    assert_eq!(session.unionid, None);
    let user = decrypt_open_data(
        sealed["encryptedData"].as_str().unwrap_or_default(),
        sealed["iv"].as_str().unwrap_or_default(),
        &session.session_key,
        wx.app_id(),
    )
    .expect("decrypts");
    assert_eq!(user["nickName"], "Ivy");
    assert_eq!(user["openId"], predicted["openid"]);
}

#[tokio::test]
async fn the_weapp_session_signature_round_trip_works() {
    let sim = spawn_sim();
    let (_, _, predicted) = sim.get("/sim/session?code=jack-1").await;
    // What the mini-program gets from wx.getUserInfo(): rawData signed with its session_key.
    let raw_data = r#"{"nickName":"Jack","gender":1,"language":"zh_CN"}"#;
    let client_side_key = SessionKey::new(predicted["session_key"].as_str().unwrap_or_default());
    let signature = raw_data_signature(raw_data, &client_side_key);

    let session = sim
        .client()
        .jscode2session("jack-1")
        .await
        .expect("a session");
    assert!(verify_raw_data(raw_data, &session.session_key, &signature));
    assert!(!verify_raw_data(
        r#"{"nickName":"Jack","gender":2,"language":"zh_CN"}"#,
        &session.session_key,
        &signature
    ));
}

#[tokio::test]
async fn simulator_errors_reach_the_caller_as_whole_bodies() {
    let sim = spawn_sim();
    let wx = sim.client();
    assert_eq!(
        rejected(wx.jscode2session("invalid-x").await),
        json!({"errcode": 40029, "errmsg": "invalid code"})
    );
    assert_eq!(
        rejected(wx.jscode2session("ratelimit-x").await)["errcode"],
        45011
    );
    wx.jscode2session("kim-1").await.expect("first use");
    assert_eq!(
        rejected(wx.jscode2session("kim-1").await),
        json!({"errcode": 40163, "errmsg": "code been used"})
    );
    let wrong_secret = client(&sim.base, APP_ID, "not-the-secret", Duration::from_secs(5));
    assert_eq!(
        rejected(wrong_secret.jscode2session("kim-2").await),
        json!({"errcode": 40125, "errmsg": "invalid appsecret"})
    );
    let wrong_app = client(
        &sim.base,
        "wxsomeoneelse",
        APP_SECRET,
        Duration::from_secs(5),
    );
    assert_eq!(
        rejected(wrong_app.jscode2session("kim-3").await)["errcode"],
        40013
    );
}

#[tokio::test]
async fn access_token_round_trip_works() {
    let token = spawn_sim().client().access_token().await.expect("a token");
    assert_eq!(token.expires_in, Duration::from_secs(7200));
}

#[tokio::test]
async fn the_app_secret_and_session_keys_never_reach_the_log_or_debug() {
    const SECRET: &str = "log-probe-secret-TOPSECRET-9f3a";
    let sim = spawn_sim();
    // A simulator that accepts SECRET is not needed: the secret travels in every request.
    let wx = client(&sim.base, APP_ID, SECRET, Duration::from_secs(2));
    let good = sim.client();
    let session = good.jscode2session("leo-1").await.expect("a session");
    let _ = wx.jscode2session("leo-2").await;
    let _ = wx.access_token().await;
    // A silent server: accepts connections and never answers, so the client times out.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let silent_base = format!("http://{}", silent.local_addr().expect("address"));
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            sockets.push(socket);
        }
    });
    let timing_out = client(&silent_base, APP_ID, SECRET, Duration::from_millis(200));
    let error = timing_out
        .jscode2session("leo-3")
        .await
        .expect_err("times out");
    held.abort();

    for text in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{wx:?}"),
        format!("{session:?}"),
    ] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(
            !text.contains(session.session_key.expose_secret()),
            "{text}"
        );
    }
    let logs = captured_logs();
    assert!(
        logs.iter().any(|line| line.contains("wx_api")),
        "the capture saw this crate's records"
    );
    for line in &logs {
        assert!(!line.contains(SECRET), "secret logged: {line}");
        assert!(!line.contains(APP_SECRET), "secret logged: {line}");
        assert!(
            !line.contains(session.session_key.expose_secret()),
            "session_key logged: {line}"
        );
    }
}
