//! (being written: see the issue for this module)
