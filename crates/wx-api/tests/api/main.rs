//! Integration tests of `wx-api`: the spec vectors, `WxClient` against a scripted WeChat
//! (`wiremock`) and against the simulator, the token keeper and the Cloud Run storage client
//! (request shapes against `wiremock`, behaviour against the simulator and the test Redis), and
//! the simulator itself, all in one binary.

mod client_sim;
mod cloud_helpers;
mod helpers;
mod keeper_redis;
mod keeper_sim;
mod sim;
mod sim_operations;
mod sim_tcb;
mod tcb_shapes;
mod tcb_sim;
mod token_shapes;
mod vectors;
mod wiremock_client;
