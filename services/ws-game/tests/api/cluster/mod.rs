//! Cluster mode (issue 14): two or three in-process nodes on a real Redis, each on its own
//! runtime and thread so that one can be killed without any clean-up (its runtime is shut down
//! in the background: tasks dropped mid-await, no goodbye to Redis — like SIGKILL).
//!
//! Every test has its own key prefix (so tests run in parallel on one Redis) and removes its
//! keys at the end. Waits are on events (frames, `/readyz`, `/stats`) with a deadline, never
//! sleeps.

mod nodes;
mod play;
mod resume;
