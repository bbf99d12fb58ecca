//! Tencent COS request signing (being written).
