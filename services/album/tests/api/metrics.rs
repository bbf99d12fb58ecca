//! `/metrics` after a known sequence of requests: the album's own counters (images and bytes
//! stored, through the service and after a checked direct upload) and the shared HTTP and
//! backend metrics.

use weapp_testkit::metric_samples;

use crate::{
    direct::confirm,
    form::{form, post_form},
    helpers::{photo, spawn_app},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_images_and_bytes_are_counted() {
    let app = spawn_app(|_| {}).await;
    assert_eq!(app.upload("rocket.jpg").await["code"], 0);
    assert_eq!(
        app.upload("not-an-image.txt").await["code"],
        -1,
        "refused: not counted"
    );
    let data = form(&app, "image/png").await;
    assert_eq!(post_form(&app, &data, photo("chelsea.png")).await, 204);
    assert_eq!(
        confirm(&app, data["key"].as_str().unwrap_or_default()).await["code"],
        0
    );
    let bytes = photo("rocket.jpg").len() + photo("chelsea.png").len();
    let album = metric_samples(&app.http, &app.base, "weapp_album_").await;
    assert!(
        album.contains(&"weapp_album_images_stored_total 2".to_owned()),
        "{album:?}"
    );
    assert!(
        album.contains(&format!("weapp_album_bytes_stored_total {bytes}")),
        "{album:?}"
    );
    let http = metric_samples(&app.http, &app.base, "weapp_http_requests_total").await;
    assert!(
        http.iter()
            .any(|line| line.contains(r#"route="/applet/album/upload""#)
                && line.contains(r#"status="200""#)
                && line.ends_with(" 2")),
        "{http:?}"
    );
    let backend = metric_samples(&app.http, &app.base, "weapp_backend_up").await;
    assert!(
        backend.contains(&r#"weapp_backend_up{backend="storage"} 1"#.to_owned()),
        "{backend:?}"
    );
}
