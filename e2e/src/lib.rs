//! End-to-end tests of the running stack live in `tests/`; this library is empty on purpose.
//!
//! They reach the stack at `WEAPP_BASE_URL` (default `http://127.0.0.1:8080`, nginx's HTTP
//! listener from `scripts/up`) and `WEAPP_TLS_BASE_URL` (default `https://127.0.0.1:8443`,
//! trusting the self-signed certificate at `WEAPP_TLS_CA`).
