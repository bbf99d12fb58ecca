//! Raw-frame integration tests of ws-game over real sockets: exact frames as
//! `spec/originals.md` §2 gives them, written and read with a plain WebSocket client (not the
//! project's codec).

mod close_codes;
mod cluster;
mod helpers;
mod http;
mod json;
mod limits;
mod metrics;
mod schema;
mod socketio;
