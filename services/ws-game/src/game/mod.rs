//! The game engine (being written).
