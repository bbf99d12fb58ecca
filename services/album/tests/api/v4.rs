//! The 2017 COS v4 clients end to end on the local backend: the sign server
//! (`qc_cos/config`, `cos-auth`) and the v4 JSON-API upload stand-in, posted as
//! `wx.uploadFile({url, header: {Authorization: sign}, name: 'filecontent', formData: {op:
//! 'upload'}})` sends it (`spec/originals.md` §6).

use serde_json::{Value, json};

use crate::{
    helpers::photo,
    local::{LocalApp, spawn_local_with},
};

/// The defaults when neither `v4.app_id` nor `cos.app_id` and `cos.bucket` are set.
const APPID: &str = "1250000000";
const BUCKET: &str = "album";

async fn qc_cos_sign(app: &LocalApp, cos_path: &str) -> (u16, Value) {
    app.json(app.http.get(format!(
        "{}/applet/album/qc_cos/config?cos_path={cos_path}",
        app.base
    )))
    .await
}

async fn v4_upload(app: &LocalApp, sign: &str, path: &str, bytes: Vec<u8>) -> (u16, Value) {
    let form = reqwest::multipart::Form::new().text("op", "upload").part(
        "filecontent",
        reqwest::multipart::Part::bytes(bytes).file_name("wxfile_tmp.jpg"),
    );
    app.json(
        app.http
            .post(format!(
                "{}/applet/album/v4/files/v2/{APPID}/{BUCKET}/{path}",
                app.base
            ))
            .header("authorization", sign)
            .multipart(form),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2017_client_signs_uploads_and_sees_its_photo_listed() {
    let app = spawn_local_with(|_| {});
    let (status, body) = qc_cos_sign(&app, "/").await;
    assert_eq!(status, 200);
    let sign = body["sign"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "only {{\"sign\"}}: {body}"
    );
    let (status, reply) =
        v4_upload(&app, &sign, "1700000000000-tmp01.jpg", photo("rocket.jpg")).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["code"], 0);
    assert_eq!(reply["message"], "SUCCESS");
    let data = &reply["data"];
    assert_eq!(
        data["resource_path"],
        format!("/{APPID}/{BUCKET}/1700000000000-tmp01.jpg")
    );
    let access_url = data["access_url"].as_str().unwrap_or_default();
    assert_eq!(data["source_url"], access_url);
    assert!(
        data["url"]
            .as_str()
            .unwrap_or_default()
            .contains("/applet/album/v4/files/v2/")
    );
    let (status, _, bytes) = app.bytes(access_url).await;
    assert_eq!(status, 200);
    assert!(bytes == photo("rocket.jpg"));
    let (_, list) = app
        .json(app.http.get(format!("{}/applet/album/list", app.base)))
        .await;
    assert_eq!(list["data"], json!([access_url]));
    // The multi-use signature signs the next upload too, but never an overwrite.
    let (status, again) =
        v4_upload(&app, &sign, "1700000000000-tmp01.jpg", photo("rocket.jpg")).await;
    assert_eq!(
        (status, again),
        (
            400,
            json!({"code":-177,"message":"ERROR_CMD_COS_FILE_EXIST"})
        )
    );
    let (status, second) =
        v4_upload(&app, &sign, "1700000000001-tmp02.png", photo("chelsea.png")).await;
    assert_eq!((status, &second["code"]), (200, &json!(0)), "{second}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_outside_the_folder_altered_or_for_another_bucket_are_refused() {
    let app = spawn_local_with(|settings| settings.cos.folder = "/photos/".into());
    let (status, body) = qc_cos_sign(&app, "/elsewhere").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"code":-1,"msg":"failed","data":{"name":"Error","message":"operation forbidden"}})
    );
    let (_, body) = qc_cos_sign(&app, "/photos").await;
    let sign = body["sign"].as_str().unwrap_or_default().to_owned();
    let refused = |status: u16, body: &Value| status == 403 && body["code"] == -1;
    let (status, reply) = v4_upload(&app, &sign, "elsewhere/1-a.jpg", photo("rocket.jpg")).await;
    assert_eq!(
        (status, reply["code"].clone()),
        (400, json!(-180)),
        "outside the folder"
    );
    let mut raw = sign.clone().into_bytes();
    raw[5] = if raw[5] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(raw).unwrap_or_default();
    let (status, reply) = v4_upload(&app, &tampered, "photos/1-a.jpg", photo("rocket.jpg")).await;
    assert!(refused(status, &reply), "{status} {reply}");
    let form = reqwest::multipart::Form::new().text("op", "upload").part(
        "filecontent",
        reqwest::multipart::Part::bytes(photo("rocket.jpg")).file_name("a.jpg"),
    );
    let (status, reply) = app
        .json(
            app.http
                .post(format!(
                    "{}/applet/album/v4/files/v2/{APPID}/otherbucket/photos/1-a.jpg",
                    app.base
                ))
                .header("authorization", &sign)
                .multipart(form),
        )
        .await;
    assert!(refused(status, &reply), "{status} {reply}");
    let (status, reply) = v4_upload(&app, &sign, "photos/1-t.jpg", photo("not-an-image.txt")).await;
    assert_eq!(
        (status, reply["message"].clone()),
        (400, json!("仅jpg/png格式"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cos_auth_one_time_signature_uploads_its_file_once() {
    let app = spawn_local_with(|_| {});
    let response = app
        .http
        .post(format!(
            "{}/applet/album/cos-auth?path=/1700000000000-once.jpg",
            app.base
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
    let sign = response.text().await.unwrap_or_default();
    assert!(!sign.starts_with('{'), "the raw signature: {sign}");
    let (status, reply) =
        v4_upload(&app, &sign, "1700000000001-other.jpg", photo("rocket.jpg")).await;
    assert_eq!(
        (status, reply["message"].clone()),
        (403, json!("ERROR_SIGN_INVALID"))
    );
    let (status, reply) =
        v4_upload(&app, &sign, "1700000000000-once.jpg", photo("rocket.jpg")).await;
    assert_eq!(status, 200, "{reply}");
    let (status, reply) =
        v4_upload(&app, &sign, "1700000000000-once.jpg", photo("rocket.jpg")).await;
    assert_eq!(
        (status, reply["message"].clone()),
        (403, json!("ERROR_SIGN_USED"))
    );
    // cos-auth's own folder signature (no path) is a one-time signature of the folder.
    let folder_sign = app
        .http
        .get(format!("{}/applet/album/cos-auth", app.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    let (status, reply) = v4_upload(
        &app,
        &folder_sign,
        "1700000000002-f.png",
        photo("chelsea.png"),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
}
