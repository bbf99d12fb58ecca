//! Frame codecs (being written).
