//! Panics caught at the edge of a task: what the runtime tells about them.
//!
//! Every pool, executor and loop runs user code under `catch_unwind`, so that
//! a panicking task fails alone and its worker goes on. What survives of the
//! panic is its payload, a `Box<dyn Any + Send>`: [`panic_message`] turns it
//! into the text of `panic!("...")`.

use std::any::Any;

/// The message a panic was raised with: `panic!("...")` and `assert!` carry a
/// `&str` or a `String`; anything else (`std::panic::panic_any(7)`) says so.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}
