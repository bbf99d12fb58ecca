//! weapp-cloud rock-paper-scissors over WebSocket (`spec/originals.md` §2).
//!
//! `server` accepts sockets and HTTP → `server::connection` owns one socket and its bounded
//! outbound queue → `codec` turns frames into [`protocol`] messages (socket.io/Engine.IO 3, or
//! plain JSON) → `game` (matchmaker, rooms, rounds, bots) never sees a frame.

pub mod codec;
pub mod game;
pub mod protocol;
