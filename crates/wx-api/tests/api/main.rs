//! Integration tests of `wx-api`: the spec vectors, `WxClient` against a scripted WeChat
//! (`wiremock`) and against the simulator, and the simulator itself, all in one binary.

mod client_sim;
mod helpers;
mod sim;
mod vectors;
mod wiremock_client;
