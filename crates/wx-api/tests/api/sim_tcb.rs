//! The simulator's token and Cloud Run routes over raw HTTP: WeChat's exact error bodies (with
//! their ` rid: …`), `/cgi-bin/token` ending the previous token, `/cgi-bin/stable_token`'s
//! modes, the `tcb` answers' shapes, and the `/sim/*` helpers.

use serde_json::{Value, json};
use wx_api::sim::DEFAULT_ENV;

use crate::helpers::{APP_ID, APP_SECRET, TestSim, spawn_sim, spawn_sim_with};

/// `errcode` and `errmsg` without its ` rid: …`, checking the rid has WeChat's shape
/// (three groups of 8 hex digits).
fn without_rid(body: &Value) -> (i64, String) {
    let errmsg = body["errmsg"].as_str().unwrap_or_default();
    let (text, rid) = errmsg
        .rsplit_once(" rid: ")
        .unwrap_or_else(|| panic!("no rid in {body}"));
    let groups: Vec<&str> = rid.split('-').collect();
    assert!(
        groups.len() == 3
            && groups
                .iter()
                .all(|g| g.len() == 8 && g.bytes().all(|b| b.is_ascii_hexdigit())),
        "{rid}"
    );
    (
        body["errcode"].as_i64().unwrap_or_default(),
        text.to_owned(),
    )
}

async fn token(sim: &TestSim) -> String {
    let (status, _, body) = sim
        .get(&format!(
            "/cgi-bin/token?grant_type=client_credential&appid={APP_ID}&secret={APP_SECRET}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("a token").to_owned()
}

async fn stable(sim: &TestSim, force: Value) -> Value {
    let request = json!({"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET, "force_refresh": force});
    sim.post("/cgi-bin/stable_token", request.to_string())
        .await
        .2
}

async fn upload_file(sim: &TestSim, query: &str, body: Value) -> (u16, String, Value) {
    sim.post(&format!("/tcb/uploadfile{query}"), body.to_string())
        .await
}

const INVALID: &str = "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r";

#[tokio::test]
async fn each_new_token_ends_the_previous_one() {
    let sim = spawn_sim();
    let first = token(&sim).await;
    let second = token(&sim).await;
    assert_ne!(first, second);
    let request = json!({"env": DEFAULT_ENV, "path": "a.jpg"});
    let (status, content_type, body) =
        upload_file(&sim, &format!("?access_token={first}"), request.clone()).await;
    assert_eq!((status, content_type.as_str()), (200, "text/plain"));
    assert_eq!(without_rid(&body), (40001, INVALID.to_owned()));
    let (_, _, body) = upload_file(&sim, &format!("?access_token={second}"), request).await;
    assert_eq!(body["errcode"], 0, "{body}");
    assert_eq!(sim.token_calls().await, (2, 0, 0));
}

#[tokio::test]
async fn the_token_lifetime_is_configurable_and_expiry_is_42001() {
    let sim = spawn_sim_with(|config| config.token_lifetime_secs = 60);
    let (_, _, body) = sim
        .get(&format!(
            "/cgi-bin/token?grant_type=client_credential&appid={APP_ID}&secret={APP_SECRET}"
        ))
        .await;
    assert_eq!(body["expires_in"], 60);
    let token = body["access_token"].as_str().unwrap_or_default().to_owned();
    sim.advance(std::time::Duration::from_secs(60)).await;
    let (_, _, body) = upload_file(
        &sim,
        &format!("?access_token={token}"),
        json!({"env": DEFAULT_ENV, "path": "a.jpg"}),
    )
    .await;
    assert_eq!(
        without_rid(&body),
        (42001, "access_token expired".to_owned())
    );
}

#[tokio::test]
async fn tcb_calls_refuse_missing_malformed_and_forced_expired_tokens() {
    let sim = spawn_sim();
    let request = json!({"env": DEFAULT_ENV, "path": "a.jpg"});
    let (_, _, body) = upload_file(&sim, "", request.clone()).await;
    assert_eq!(
        without_rid(&body),
        (41001, "access_token missing".to_owned())
    );
    let (_, _, body) = upload_file(&sim, "?access_token=not%20a%20token", request.clone()).await;
    assert_eq!(
        without_rid(&body),
        (40014, "invalid access_token".to_owned())
    );
    let token = token(&sim).await;
    assert_eq!(
        sim.helper("/sim/tokens/expire", json!({})).await,
        json!({"tokens": 1})
    );
    let (_, _, body) = upload_file(&sim, &format!("?access_token={token}"), request).await;
    assert_eq!(without_rid(&body).0, 42001);
}

#[tokio::test]
async fn tcb_calls_check_method_body_and_env() {
    let sim = spawn_sim();
    let token = token(&sim).await;
    let query = format!("?access_token={token}");
    let (_, _, body) = sim.get(&format!("/tcb/uploadfile{query}")).await;
    assert_eq!(
        without_rid(&body),
        (43002, "require POST method".to_owned())
    );
    let (_, _, body) = sim
        .post(&format!("/tcb/uploadfile{query}"), String::new())
        .await;
    assert_eq!(without_rid(&body), (44002, "empty post data".to_owned()));
    let (_, _, body) = sim
        .post(&format!("/tcb/uploadfile{query}"), "{env:".to_owned())
        .await;
    assert_eq!(without_rid(&body), (47001, "data format error".to_owned()));
    let (_, _, body) = upload_file(&sim, &query, json!({"path": "a.jpg"})).await;
    assert_eq!(without_rid(&body), (40101, "missing parameter".to_owned()));
    let (_, _, body) =
        upload_file(&sim, &query, json!({"env": "prod-other", "path": "a.jpg"})).await;
    assert_eq!(
        without_rid(&body),
        (
            -501000,
            "Environment not found TcbCode: [INVALID_ENV]".to_owned()
        )
    );
}

#[tokio::test]
async fn uploadfile_answers_the_documents_fields_in_order() {
    let sim = spawn_sim();
    let token = token(&sim).await;
    let text = crate::helpers::http()
        .post(format!("{}/tcb/uploadfile?access_token={token}", sim.base))
        .body(json!({"env": DEFAULT_ENV, "path": "album/a.jpg"}).to_string())
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("text");
    let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(&text)
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        keys,
        [
            "errcode",
            "errmsg",
            "url",
            "token",
            "authorization",
            "file_id",
            "cos_file_id"
        ]
    );
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        body["url"],
        format!("{}/cos/7465-{DEFAULT_ENV}-1250000000/album/a.jpg", sim.base)
    );
    assert_eq!(
        body["file_id"],
        format!("cloud://{DEFAULT_ENV}.7465-{DEFAULT_ENV}-1250000000/album/a.jpg")
    );
    assert!(
        body["authorization"]
            .as_str()
            .is_some_and(|a| a.starts_with("q-sign-algorithm=sha1&q-ak="))
    );
}

#[tokio::test]
async fn batch_answers_list_missing_files_as_storage_file_nonexist() {
    let sim = spawn_sim();
    let token = token(&sim).await;
    let missing = format!("cloud://{DEFAULT_ENV}.7465-{DEFAULT_ENV}-1250000000/none.jpg");
    let (_, _, body) = sim
        .post(
            &format!("/tcb/batchdownloadfile?access_token={token}"),
            json!({"env": DEFAULT_ENV, "file_list": [{"fileid": missing, "max_age": 60}]})
                .to_string(),
        )
        .await;
    assert_eq!(
        body,
        json!({"errcode": 0, "errmsg": "ok", "file_list": [
            {"fileid": missing, "download_url": "", "status": 1, "errmsg": "STORAGE_FILE_NONEXIST"}
        ]})
    );
    let (_, _, body) = sim
        .post(
            &format!("/tcb/batchdeletefile?access_token={token}"),
            json!({"env": DEFAULT_ENV, "fileid_list": [missing]}).to_string(),
        )
        .await;
    assert_eq!(
        body,
        json!({"errcode": 0, "errmsg": "ok", "delete_list": [
            {"fileid": missing, "status": 1, "errmsg": "STORAGE_FILE_NONEXIST"}
        ]})
    );
    let too_many: Vec<Value> = (0..51)
        .map(|n| json!({"fileid": format!("cloud://x/{n}"), "max_age": 1}))
        .collect();
    let (_, _, body) = sim
        .post(
            &format!("/tcb/batchdownloadfile?access_token={token}"),
            json!({"env": DEFAULT_ENV, "file_list": too_many}).to_string(),
        )
        .await;
    assert_eq!(without_rid(&body), (40097, "invalid args".to_owned()));
}

#[tokio::test]
async fn stable_token_returns_the_same_token_until_forced() {
    let sim = spawn_sim();
    let first = stable(&sim, Value::Null).await;
    let again = stable(&sim, json!(false)).await;
    assert_eq!(first["access_token"], again["access_token"]);
    assert_eq!(first["expires_in"], 7200);
    let forced = stable(&sim, json!(true)).await;
    assert_ne!(forced["access_token"], first["access_token"]);
    let (_, _, body) = upload_file(
        &sim,
        &format!(
            "?access_token={}",
            first["access_token"].as_str().unwrap_or_default()
        ),
        json!({"env": DEFAULT_ENV, "path": "a.jpg"}),
    )
    .await;
    assert_eq!(
        without_rid(&body).0,
        40001,
        "forcing ended the previous token"
    );
    let too_soon = stable(&sim, json!(true)).await;
    assert_eq!(
        without_rid(&too_soon),
        (45009, "reach max api daily quota limit".to_owned())
    );
    assert_eq!(sim.token_calls().await, (0, 4, 1));
}

#[tokio::test]
async fn stable_token_checks_like_wechat() {
    let sim = spawn_sim();
    let (_, _, body) = sim.get("/cgi-bin/stable_token").await;
    assert_eq!(without_rid(&body).0, 43002);
    let (_, _, body) = sim
        .post(
            "/cgi-bin/stable_token",
            "grant_type=client_credential".to_owned(),
        )
        .await;
    assert_eq!(without_rid(&body).0, 47001);
    let wrong = json!({"grant_type": "client_credential", "appid": APP_ID, "secret": "nope"});
    let (_, _, body) = sim.post("/cgi-bin/stable_token", wrong.to_string()).await;
    assert_eq!(
        body,
        json!({"errcode": 40125, "errmsg": "invalid appsecret"})
    );
    let bad_force = json!({"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET, "force_refresh": "yes"});
    let (_, _, body) = sim
        .post("/cgi-bin/stable_token", bad_force.to_string())
        .await;
    assert_eq!(without_rid(&body).0, 47001);
}

#[tokio::test]
async fn the_clock_helper_refuses_a_bad_body() {
    let sim = spawn_sim();
    let (status, _, body) = sim.post("/sim/clock/advance", "{}".to_owned()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        sim.helper("/sim/clock/advance", json!({"secs": 5})).await,
        json!({"offset_secs": 5})
    );
}
