//! Vision One client.
