//! The top level of a config: which keys may stand there, and `lesson`.
//!
//! ```toml
//! lesson = "lesson-05"   # a lesson id (`cargo xtask list`)
//! [run]                  # optional: see the `run` section
//! [[experiment]]         # one or more: see the `experiment` section
//! ```

use super::error::ConfigError;
use super::source::{Source, get};
use crate::kind::Lesson;
use crate::suggest::did_you_mean;
use toml::de::{DeTable, DeValue};

/// The keys a config may have at the top level.
const TOP_KEYS: [&str; 3] = ["lesson", "run", "experiment"];

/// Refuses unknown top-level keys, and finds the lesson the config names.
pub(super) fn read<'l>(
    c: &Source<'_>,
    root: &DeTable<'_>,
    lessons: &'l [Lesson],
) -> Result<&'l Lesson, ConfigError> {
    for (key, _) in root.iter() {
        c.known(key, &TOP_KEYS, || "at the top level".into())?;
    }
    let (lesson_span, lesson_id) = match get(root, "lesson") {
        Some(v) => match v.get_ref() {
            DeValue::String(s) => (v.span(), s.to_string()),
            _ => {
                return Err(c.error(
                    v.span(),
                    "`lesson` must be a string".into(),
                    vec![lesson_list(lessons)],
                ));
            }
        },
        None => {
            return Err(c.error(
                0..0,
                "the config has no `lesson` key".into(),
                vec![
                    "add a first line such as `lesson = \"lesson-05\"`".into(),
                    lesson_list(lessons),
                ],
            ));
        }
    };
    let Some(lesson) = lessons.iter().find(|l| l.id == lesson_id) else {
        let mut help = Vec::new();
        if let Some(m) = did_you_mean(&lesson_id, lessons.iter().map(|l| l.id)) {
            help.push(format!("did you mean \"{m}\"?"));
        }
        help.push(lesson_list(lessons));
        return Err(c.error(lesson_span, format!("unknown lesson \"{lesson_id}\""), help));
    };
    Ok(lesson)
}

fn lesson_list(lessons: &[Lesson]) -> String {
    format!(
        "lessons: {}",
        lessons.iter().map(|l| l.id).collect::<Vec<_>>().join(", ")
    )
}
